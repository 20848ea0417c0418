#pragma once
// SQLite's online backup: every page of one database copied into another in
// one step, as one consistent snapshot of the source (a reader's view: writers
// to a WAL source carry on meanwhile), replacing the target's content in one
// transaction of the target.
#include "cx/scoring/result.hpp"
#include "cx/sqlite/connection.hpp"

namespace cx::sqlite {

Status copy_database(Connection& source, Connection& target);

}  // namespace cx::sqlite
