#pragma once
// One PostgreSQL connection through libpq, errors as values (cx::Error with the
// server's SQLSTATE class mapped to a kind, see error.hpp). Parameters travel as
// text, separately from the SQL (PQexecParams / PQexecPrepared): no value is
// ever spliced into a statement.
//
// A connection is used by one thread at a time; the Pool hands them out.
#include <libpq-fe.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cx/postgres/rows.hpp"
#include "cx/scoring/result.hpp"

namespace cx::postgres {

// A text parameter, or SQL NULL.
using Param = std::optional<std::string_view>;

class Connection {
  public:
    // `url`: postgresql://USER@HOST:PORT/DB (any libpq connection string). The
    // connection uses UTF-8 and UTC, and names itself "cxserver" to the server.
    static Result<Connection> open(const std::string& url);

    Connection(Connection&& other) noexcept;
    Connection& operator=(Connection&& other) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    // Runs a script of statements whose rows nobody needs (migrations, BEGIN).
    Status exec(std::string_view sql);
    // One statement with parameters $1, $2, …
    Result<Rows> query(std::string_view sql, std::initializer_list<Param> params = {});
    Result<Rows> query(std::string_view sql, const std::vector<Param>& params);

    // Prepares `sql` under `name` on this connection, once: a name prepared
    // before is not prepared again (statements prepared once, as cx::sqlite does).
    Status prepare(const std::string& name, std::string_view sql);
    Result<Rows> run_prepared(const std::string& name, const std::vector<Param>& params);

    // Whether the link to the server is still up; a broken one is reset (its
    // prepared statements are gone with it and are prepared again on demand).
    bool ensure_alive();

    PGconn* get() const { return conn_; }

  private:
    explicit Connection(PGconn* conn) : conn_(conn) {}
    Result<Rows> finish(PGresult* result, std::string_view what);
    PGconn* conn_ = nullptr;
    std::vector<std::string> prepared_;
};

}  // namespace cx::postgres
