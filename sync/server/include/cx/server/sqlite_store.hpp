#pragma once
// The SQLite backend of ServerStore (WAL, one writer, pooled readers) on
// cx_sqlite. Its schema and statements are public so the ingest benchmark's
// raw-SQLite baseline writes exactly the same rows the same way.
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "cx/server/schema_versions.hpp"
#include "cx/server/server_store.hpp"

namespace cx {

// The pragmas of the writer connection (WAL, synchronous=FULL, busy timeout).
std::string sqlite_pragmas_sql();
// Every version in one script: the schema a new database ends up with.
std::string sqlite_schema_sql();
// Parameters: id, org, site, device, seq, submitted_at, received_at, canonical, server_flags,
// key, hash, prev_hash (NULL for an unsigned record), complete, late (0/1).
std::string_view sqlite_insert_response_sql();
// Whether canonical line `sealed` is `unsigned_line` with a seal added (the upgrade
// of a row stored before integrity).
bool is_sealed_version_of(std::string_view sealed, std::string_view unsigned_line);

// Opens (creating and migrating if needed) the database at `path`. A schema
// newer than this program knows is refused (ErrorKind::TooNew) and left as is.
Result<std::unique_ptr<ServerStore>> open_sqlite_store(std::string_view path);

}  // namespace cx
