#pragma once
// SQLite result codes as cx::Error kinds: a file that is not a database or
// fails its check is Damaged (safe to move aside), a lock held by someone
// else is Busy, everything else is a Store failure.
#include <sqlite3.h>

#include <string_view>

#include "cx/scoring/result.hpp"

namespace cx::sqlite {

ErrorKind error_kind(int result_code);

// "SQLite: <what>: <SQLite's message>" with the kind of `result_code`.
Error make_sqlite_error(sqlite3* db, int result_code, std::string_view what);

}  // namespace cx::sqlite
