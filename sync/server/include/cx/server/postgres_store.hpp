#pragma once
// The PostgreSQL backend of ServerStore (cx_postgres): several stateless
// cxserver instances share one database. Each batch is one transaction that
// takes a transaction-scoped advisory lock per device it holds records of, so
// two instances ingesting one device's chain at once decide "late" and the
// chain's order the same way one would; record ids are unique by the database's
// own index, so a batch sent to two instances at once is stored once and both
// answer correctly.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cx/server/server_store.hpp"

namespace cx {

// Connects (`url`: postgresql://USER@HOST:PORT/DB), migrates the schema (one
// instance at a time) and keeps a pool of `connections` connections. A schema
// newer than this program knows is refused (ErrorKind::TooNew) and left as is.
Result<std::unique_ptr<ServerStore>> open_postgres_store(std::string_view url,
                                                         std::size_t connections);

// The store's one INSERT of a whole batch (the store adds what it does with ids
// stored already); its parameters are postgres_batch_parameters.
std::string_view postgres_insert_batch_sql();

// A batch as the store's one INSERT takes it (public so the ingest benchmark's raw
// baseline inserts the same rows the same way): one array literal per column,
// $1 id, $2 org, $3 site, $4 device, $5 seq, $6 submitted_at, $7 received_at (one
// text for all), $8 canonical, $9 server_flags, $10 key, $11 hash, $12 prev_hash
// (NULL for an unsigned record), $13 complete, $14 late.
std::vector<std::string> postgres_batch_parameters(std::span<const StoredRecord> batch,
                                                   std::string_view received_at,
                                                   const std::vector<bool>& late);

}  // namespace cx
