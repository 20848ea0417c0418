#pragma once
// A prepared statement, prepared once and reused: reset() makes it ready for
// the next binds. Errors are sticky: the first failure (preparing, a bind to a
// parameter that does not exist, a step) is kept, later binds and steps do
// nothing, and step()/run()/status() report it — so a chain of binds needs one
// check, at the step. reset() clears an error of a step or bind, never one of
// preparing.
//
// A statement that has returned a row but not yet "done" keeps its read
// snapshot open (the connection then sees no newer commits): reset a kept
// statement after reading a single row from it.
#include <sqlite3.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "cx/scoring/result.hpp"

namespace cx::sqlite {

class Connection;

class Statement {
  public:
    Statement(Connection& connection, std::string_view sql);
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Parameters are 1-based (?1, ?2, …). Text and blobs are copied.
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::nullopt_t);
    // NULL when `text` is empty (a name of its own: std::string converts to both).
    Statement& bind_nullable(int index, const std::optional<std::string>& text);
    Statement& bind_blob(int index, std::span<const unsigned char> bytes);
    // Text bound without a copy, for hot loops over strings the caller owns
    // anyway: `text` must stay valid and unchanged until the next reset().
    Statement& bind_unowned(int index, std::string_view text);

    // true: a row is ready to read; false: the statement is done.
    Result<bool> step();
    // Steps to the end (for statements that return no rows).
    Status run();
    // Ready for new binds; clears a sticky error unless preparing failed.
    Statement& reset();
    Status status() const;

    // Columns of the current row, 0-based; text and blobs stay valid until the next step or reset.
    std::string_view text(int column) const;
    std::int64_t integer(int column) const;
    bool is_null(int column) const;
    std::span<const unsigned char> blob(int column) const;

  private:
    void fail(int code, std::string_view what);
    Statement& bind_text(int index, std::string_view text, sqlite3_destructor_type lifetime);

    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
    std::string sql_;  // for error messages
    std::optional<Error> error_;
    bool prepared_ = false;
};

// Ok, or the first error of these statements (e.g. all those a store prepares when it opens).
Status all_prepared(std::initializer_list<const Statement*> statements);

}  // namespace cx::sqlite
