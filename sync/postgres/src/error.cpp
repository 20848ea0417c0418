#include "cx/postgres/error.hpp"

#include <string>

namespace cx::postgres {

ErrorKind error_kind(std::string_view sqlstate) {
    auto sqlclass = sqlstate.substr(0, 2);
    if (sqlclass == "08") return ErrorKind::Network;
    if (sqlclass == "40") return ErrorKind::Busy;
    if (sqlclass == "53") return ErrorKind::Io;
    return ErrorKind::Store;
}

namespace {

std::string trimmed(const char* message) {
    std::string text = message ? message : "";
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text.empty() ? "no message" : text;
}

}  // namespace

Error make_result_error(const PGresult* result, std::string_view what) {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = state ? state : "";
    std::string message = "PostgreSQL: " + std::string(what) + ": " +
                          trimmed(result ? PQresultErrorMessage(result) : nullptr);
    if (!sqlstate.empty()) message += " (SQLSTATE " + sqlstate + ")";
    // No SQLSTATE: libpq lost the connection before the server answered.
    return make_error(sqlstate.empty() ? ErrorKind::Network : error_kind(sqlstate), message);
}

Error make_connection_error(const PGconn* conn, std::string_view what) {
    return make_error(ErrorKind::Network, "PostgreSQL: " + std::string(what) + ": " +
                                              trimmed(conn ? PQerrorMessage(conn) : nullptr));
}

}  // namespace cx::postgres
