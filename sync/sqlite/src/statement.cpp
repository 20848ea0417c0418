#include "cx/sqlite/statement.hpp"

#include <utility>

#include "cx/sqlite/connection.hpp"
#include "cx/sqlite/error.hpp"

namespace cx::sqlite {

Statement::Statement(Connection& connection, std::string_view sql)
    : db_(connection.get()), sql_(sql) {
    const int code = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (code != SQLITE_OK) {
        fail(code, "preparing");
    } else if (stmt_ == nullptr) {
        error_ = make_error(ErrorKind::Internal, "SQLite: no statement in \"" + sql_ + "\"");
    } else {
        prepared_ = true;
    }
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      sql_(std::move(other.sql_)),
      error_(std::move(other.error_)),
      prepared_(std::exchange(other.prepared_, false)) {}

Statement::~Statement() {
    sqlite3_finalize(stmt_);
}

void Statement::fail(int code, std::string_view what) {
    if (error_) return;
    constexpr std::size_t kShownSql = 80;
    std::string context(what);
    context += " \"" + sql_.substr(0, kShownSql) + (sql_.size() > kShownSql ? "…\"" : "\"");
    error_ = make_sqlite_error(db_, code, context);
}

Statement& Statement::bind(int index, std::string_view text) {
    return bind_text(index, text, SQLITE_TRANSIENT);
}

Statement& Statement::bind_unowned(int index, std::string_view text) {
    return bind_text(index, text, SQLITE_STATIC);
}

Statement& Statement::bind_text(int index, std::string_view text,
                                sqlite3_destructor_type lifetime) {
    if (!error_) {
        const int code =
            sqlite3_bind_text64(stmt_, index, text.data(), text.size(), lifetime, SQLITE_UTF8);
        if (code != SQLITE_OK) fail(code, "binding ?" + std::to_string(index) + " of");
    }
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
    if (!error_) {
        const int code = sqlite3_bind_int64(stmt_, index, value);
        if (code != SQLITE_OK) fail(code, "binding ?" + std::to_string(index) + " of");
    }
    return *this;
}

Statement& Statement::bind(int index, std::nullopt_t) {
    if (!error_) {
        const int code = sqlite3_bind_null(stmt_, index);
        if (code != SQLITE_OK) fail(code, "binding ?" + std::to_string(index) + " of");
    }
    return *this;
}

Statement& Statement::bind_nullable(int index, const std::optional<std::string>& text) {
    return text ? bind(index, std::string_view(*text)) : bind(index, std::nullopt);
}

Statement& Statement::bind_blob(int index, std::span<const unsigned char> bytes) {
    if (!error_) {
        const int code =
            sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
        if (code != SQLITE_OK) fail(code, "binding ?" + std::to_string(index) + " of");
    }
    return *this;
}

Result<bool> Statement::step() {
    if (error_) return *error_;
    const int code = sqlite3_step(stmt_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    fail(sqlite3_extended_errcode(db_), "running");
    return *error_;
}

Status Statement::run() {
    for (;;) {
        auto row = step();
        if (!row) return row.error();
        if (!row.value()) return Ok{};
    }
}

Statement& Statement::reset() {
    if (prepared_) {
        // sqlite3_reset repeats the last step's error code, which is already recorded.
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
        error_.reset();
    }
    return *this;
}

Status Statement::status() const {
    if (error_) return *error_;
    return Ok{};
}

std::string_view Statement::text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (data == nullptr) return {};
    return {data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::span<const unsigned char> Statement::blob(int column) const {
    const auto* data = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, column));
    if (data == nullptr) return {};
    return {data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

Status all_prepared(std::initializer_list<const Statement*> statements) {
    for (const Statement* statement : statements)
        if (auto status = statement->status(); !status) return status;
    return Ok{};
}

}  // namespace cx::sqlite
