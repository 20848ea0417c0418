#include "cx/postgres/connection.hpp"

#include <poll.h>

#include <algorithm>

#include "cx/postgres/error.hpp"

namespace cx::postgres {

namespace {

// Every connection, new or reset, talks UTF-8 and UTC and names itself.
// NOTICEs ("already exists, skipping") would go to stderr by libpq's default.
constexpr std::string_view kSessionSettings =
    "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'; SET application_name = 'cxserver'; "
    "SET client_min_messages = warning";

// libpq wants NUL-terminated values: copy the views once per call.
struct TextParams {
    explicit TextParams(const std::vector<Param>& params) {
        storage.reserve(params.size());
        for (const auto& param : params)
            storage.push_back(param ? std::optional<std::string>(std::string(*param))
                                    : std::nullopt);
        for (const auto& value : storage) pointers.push_back(value ? value->c_str() : nullptr);
    }
    int count() const { return static_cast<int>(pointers.size()); }
    std::vector<std::optional<std::string>> storage;
    std::vector<const char*> pointers;
};

}  // namespace

Result<Connection> Connection::open(const std::string& url) {
    PGconn* conn = PQconnectdb(url.c_str());
    if (!conn) return make_error(ErrorKind::Internal, "PostgreSQL: out of memory");
    if (PQstatus(conn) != CONNECTION_OK) {
        auto error = make_connection_error(conn, "cannot connect");
        PQfinish(conn);
        return error;
    }
    Connection connection(conn);
    auto settings = connection.exec(kSessionSettings);
    if (!settings) return settings.error();
    return connection;
}

Connection::Connection(Connection&& other) noexcept
    : conn_(other.conn_), prepared_(std::move(other.prepared_)) {
    other.conn_ = nullptr;
}

Connection& Connection::operator=(Connection&& other) noexcept {
    if (this != &other) {
        PQfinish(conn_);
        conn_ = other.conn_;
        prepared_ = std::move(other.prepared_);
        other.conn_ = nullptr;
    }
    return *this;
}

Connection::~Connection() {
    PQfinish(conn_);
}

Result<Rows> Connection::finish(PGresult* result, std::string_view what) {
    Rows rows(result);
    auto status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return rows;
    if (!result) return make_connection_error(conn_, what);
    return make_result_error(result, what);
}

Status Connection::exec(std::string_view sql) {
    std::string text(sql);
    auto rows = finish(PQexec(conn_, text.c_str()), "statement failed");
    if (!rows) return rows.error();
    return Ok{};
}

Result<Rows> Connection::query(std::string_view sql, std::initializer_list<Param> params) {
    return query(sql, std::vector<Param>(params));
}

Result<Rows> Connection::query(std::string_view sql, const std::vector<Param>& params) {
    std::string text(sql);
    TextParams values(params);
    return finish(PQexecParams(conn_, text.c_str(), values.count(), nullptr, values.pointers.data(),
                               nullptr, nullptr, 0),
                  "query failed");
}

Status Connection::prepare(const std::string& name, std::string_view sql) {
    if (std::find(prepared_.begin(), prepared_.end(), name) != prepared_.end()) return Ok{};
    std::string text(sql);
    auto rows =
        finish(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr), "cannot prepare " + name);
    if (!rows) return rows.error();
    prepared_.push_back(name);
    return Ok{};
}

Result<Rows> Connection::run_prepared(const std::string& name, const std::vector<Param>& params) {
    TextParams values(params);
    return finish(PQexecPrepared(conn_, name.c_str(), values.count(), values.pointers.data(),
                                 nullptr, nullptr, 0),
                  name + " failed");
}

bool Connection::ensure_alive() {
    // An idle connection gets nothing unasked (we never LISTEN): bytes waiting on its
    // socket are the server's goodbye (a restart, pg_terminate_backend), which libpq
    // only notices at the next query. Such a connection is reset before it is used.
    pollfd socket{PQsocket(conn_), POLLIN, 0};
    bool hung_up = PQstatus(conn_) != CONNECTION_OK || ::poll(&socket, 1, 0) != 0;
    if (!hung_up) return true;
    prepared_.clear();
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) return false;
    return exec(kSessionSettings).ok();
}

}  // namespace cx::postgres
