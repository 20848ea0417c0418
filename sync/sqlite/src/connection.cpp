#include "cx/sqlite/connection.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <utility>

#include "cx/sqlite/error.hpp"
#include "cx/sqlite/statement.hpp"

namespace cx::sqlite {

namespace {

// A database file this process creates is its owner's alone (0600) whatever the umask:
// it holds responses, token hashes and the staff PIN's hash. SQLite gives the -wal and
// -shm files the database's mode. An existing file keeps the mode its owner chose.
void create_owner_only(const std::string& path) {
    if (path.empty() || path == ":memory:" || path.starts_with("file:")) return;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);  // otherwise it exists, or sqlite3_open_v2 reports why not
}

}  // namespace

std::string Connection::writer_pragmas_sql(std::chrono::milliseconds busy_timeout) {
    // The timeout first: switching to WAL takes a lock another process may hold.
    return "PRAGMA busy_timeout=" + std::to_string(busy_timeout.count()) +
           "; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";
}

Result<Connection> Connection::open(const std::string& path, const ConnectionOptions& options) {
    if (options.access == Access::ReadWrite) create_owner_only(path);
    sqlite3* raw = nullptr;
    const int flags =
        (options.access == Access::ReadWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                             : SQLITE_OPEN_READONLY) |
        SQLITE_OPEN_NOMUTEX;
    const int code = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    Connection connection(raw, path);  // closes `raw` on every way out
    if (code != SQLITE_OK) return make_sqlite_error(raw, code, "cannot open " + path);
    sqlite3_extended_result_codes(raw, 1);

    if (options.access == Access::ReadOnly) {
        sqlite3_busy_timeout(raw, static_cast<int>(options.busy_timeout.count()));
        // Reading the header is the first moment a non-database is noticed.
        if (auto version = connection.user_version(); !version) return version.error();
        return connection;
    }
    if (auto set = connection.exec(writer_pragmas_sql(options.busy_timeout)); !set) {
        auto error = set.error();
        error.message = path + ": " + error.message;
        return error;
    }
    Statement mode(connection, "PRAGMA journal_mode");
    auto row = mode.step();
    if (!row) return row.error();
    if (mode.text(0) != "wal" && mode.text(0) != "memory")
        return make_error(ErrorKind::Store, path + ": cannot use the WAL journal (got " +
                                                std::string(mode.text(0)) + ")");
    return connection;
}

Connection::Connection(Connection&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
    if (this != &other) {
        sqlite3_close_v2(db_);
        db_ = std::exchange(other.db_, nullptr);
        path_ = std::move(other.path_);
    }
    return *this;
}

Connection::~Connection() {
    sqlite3_close_v2(db_);
}

Status Connection::exec(std::string_view sql) {
    const std::string script(sql);
    const int code = sqlite3_exec(db_, script.c_str(), nullptr, nullptr, nullptr);
    if (code == SQLITE_OK) return Ok{};
    return make_sqlite_error(db_, sqlite3_extended_errcode(db_),
                             "running \"" + script.substr(0, 60) + "\"");
}

Status Connection::quick_check() {
    Statement check(*this, "PRAGMA quick_check");
    std::string verdict;
    for (;;) {
        auto row = check.step();
        if (!row) return row.error();
        if (!row.value()) break;
        if (!verdict.empty()) verdict += "; ";
        verdict += check.text(0);
    }
    if (verdict == "ok") return Ok{};
    return make_error(ErrorKind::Damaged, path_ + ": quick_check: " + verdict);
}

Result<int> Connection::user_version() {
    Statement query(*this, "PRAGMA user_version");
    auto row = query.step();
    if (!row) return row.error();
    return static_cast<int>(query.integer(0));
}

}  // namespace cx::sqlite
