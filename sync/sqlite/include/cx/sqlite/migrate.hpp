#pragma once
// Schema migrations by PRAGMA user_version: `versions[i]` is the script that
// takes the schema from version i to i + 1, so the program knows
// versions.size() versions. All missing steps run in one transaction with the
// new user_version. A database at a version the program does not know (written
// by a newer program) is refused as TooNew and left exactly as it is.
#include <functional>
#include <span>
#include <string_view>

#include "cx/scoring/result.hpp"

namespace cx::sqlite {

class Connection;

struct Migration {
    int from = 0;  // the version found
    int to = 0;    // the version now (versions.size())
};

Result<Migration> migrate(Connection& connection, std::span<const std::string_view> versions);

// A step SQL alone cannot express (the kiosk seals its records with the device key): run
// inside the migration's transaction right after the script that reaches `version`, before
// the next script, so a failure leaves the database as it was.
using MigrationHook = std::function<Status(Connection& connection, int version)>;
Result<Migration> migrate(Connection& connection, std::span<const std::string_view> versions,
                          const MigrationHook& after_script);

// For connections that must not write (read-only tools): the version found,
// or TooNew when it is newer than `known`.
Result<int> check_schema_version(Connection& connection, int known);

}  // namespace cx::sqlite
