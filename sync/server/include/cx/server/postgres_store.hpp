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
#include <string_view>

#include "cx/server/server_store.hpp"

namespace cx {

// Connects (`url`: postgresql://USER@HOST:PORT/DB), migrates the schema (one
// instance at a time) and keeps a pool of `connections` connections. A schema
// newer than this program knows is refused (ErrorKind::TooNew) and left as is.
Result<std::unique_ptr<ServerStore>> open_postgres_store(std::string_view url,
                                                         std::size_t connections);

}  // namespace cx
