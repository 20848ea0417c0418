#pragma once
// One SQLite connection with the project's settings. A writer gets WAL (readers
// never wait for it), synchronous=FULL (a commit is on disk before anyone is
// told it happened), foreign keys and a busy timeout; a reader opens the file
// read-only and only sets the busy timeout (switching the journal mode takes a
// lock and would queue behind the writer).
//
// A connection is opened in SQLite's multi-thread mode: its owner serializes
// the calls (both stores hold a mutex around each operation).
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "cx/scoring/result.hpp"

namespace cx::sqlite {

enum class Access { ReadWrite, ReadOnly };

struct ConnectionOptions {
    Access access = Access::ReadWrite;
    std::chrono::milliseconds busy_timeout{5000};
};

class Connection {
  public:
    // Opens (a writer creates) the database at `path`; ":memory:" for a private
    // in-memory database. A file that is not a database fails here as Damaged.
    static Result<Connection> open(const std::string& path, const ConnectionOptions& options = {});

    // The pragmas a writer runs, as one script (the ingest benchmark's raw
    // baseline runs the very same text).
    static std::string writer_pragmas_sql(std::chrono::milliseconds busy_timeout);

    Connection(Connection&& other) noexcept;
    Connection& operator=(Connection&& other) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    sqlite3* get() const { return db_; }
    const std::string& path() const { return path_; }

    // Runs a script of statements that return no rows the caller needs.
    Status exec(std::string_view sql);
    // PRAGMA quick_check; any finding is a Damaged error naming it.
    Status quick_check();
    Result<int> user_version();

    std::int64_t changes() const { return sqlite3_changes64(db_); }
    std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

  private:
    Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
    sqlite3* db_ = nullptr;
    std::string path_;
};

}  // namespace cx::sqlite
