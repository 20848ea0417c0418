#pragma once
// PostgreSQL failures as cx::Error kinds, by the SQLSTATE's class:
//   08 (connection) → Network: the server is away; a caller may retry on a new connection;
//   40 (serialization failure, deadlock) → Busy: the transaction may be retried as it is;
//   53 (insufficient resources: disk full, out of memory, too many connections) → Io;
//   everything else (constraint, syntax, permissions) → Store.
#include <libpq-fe.h>

#include <string_view>

#include "cx/scoring/result.hpp"

namespace cx::postgres {

ErrorKind error_kind(std::string_view sqlstate);

// "PostgreSQL: <what>: <the server's message> (SQLSTATE xxxxx)".
Error make_result_error(const PGresult* result, std::string_view what);
// "PostgreSQL: <what>: <libpq's message>" for a connection-level failure (Network).
Error make_connection_error(const PGconn* conn, std::string_view what);

}  // namespace cx::postgres
