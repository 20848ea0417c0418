#pragma once
// Schema migrations for PostgreSQL from one list of versions (`versions[i]`
// takes the schema from version i to i + 1), as cx::sqlite::migrate does for
// SQLite: all missing steps in one transaction with the new version. The
// version lives in a one-row table cx_schema_version. Several cxserver
// instances may start at once: a transaction-scoped advisory lock makes them
// migrate one after the other (the later ones find nothing to do). A database
// at a version the program does not know is refused as TooNew, untouched.
#include <span>
#include <string_view>

#include "cx/scoring/result.hpp"

namespace cx::postgres {

class Connection;

struct Migration {
    int from = 0;
    int to = 0;
};

Result<Migration> migrate(Connection& connection, std::span<const std::string_view> versions);

}  // namespace cx::postgres
