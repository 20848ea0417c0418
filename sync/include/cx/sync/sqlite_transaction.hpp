#pragma once
// The write transaction of both SQLite stores of the sync path (the kiosk's
// outbox store and the server store): BEGIN IMMEDIATE, COMMIT, and ROLLBACK in
// the destructor unless committed. Never throws.
#include <sqlite3.h>

#include <string>

#include "cx/scoring/result.hpp"

namespace cx {

class SqliteTransaction {
  public:
    explicit SqliteTransaction(sqlite3* db)
        : db_(db),
          begun_(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK) {}
    ~SqliteTransaction() {
        if (begun_ && !committed_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    SqliteTransaction(const SqliteTransaction&) = delete;
    SqliteTransaction& operator=(const SqliteTransaction&) = delete;

    Status begun() const {
        if (begun_) return Ok{};
        return Error{std::string("cannot begin transaction: ") + sqlite3_errmsg(db_)};
    }
    Status commit() {
        committed_ = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
        if (committed_) return Ok{};
        return Error{sqlite3_errmsg(db_)};
    }

  private:
    sqlite3* db_;
    bool begun_;
    bool committed_ = false;
};

}  // namespace cx
