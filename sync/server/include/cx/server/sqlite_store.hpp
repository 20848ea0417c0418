#pragma once
// The SQLite backend of ServerStore (WAL, one writer, pooled readers). Its
// schema and statements are public so the ingest benchmark's raw-SQLite
// baseline writes exactly the same rows the same way.
#include <memory>
#include <string_view>

#include "cx/server/server_store.hpp"

namespace cx {

// Connection settings every connection gets (WAL, synchronous=FULL, busy timeout).
std::string_view sqlite_pragmas_sql();
std::string_view sqlite_schema_sql();
// Parameters: id, org, site, device, seq, submitted_at, received_at, canonical.
std::string_view sqlite_insert_response_sql();

Result<std::unique_ptr<ServerStore>> open_sqlite_store(std::string_view path);

}  // namespace cx
