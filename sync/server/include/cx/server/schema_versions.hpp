#pragma once
// cxserver's schema, one list of versions for both backends: step i takes a
// database from version i to i + 1, written once for SQLite and once for
// PostgreSQL side by side, so a version number names the same tables and
// columns on either (SQLite keeps it in PRAGMA user_version, PostgreSQL in
// cx_schema_version). A database at a version beyond the list is refused.
#include <span>
#include <string_view>

namespace cx {

struct SchemaStep {
    std::string_view sqlite;
    std::string_view postgres;
};

std::span<const SchemaStep> server_schema_steps();

// The scripts of one backend, in order (what cx::sqlite::migrate and
// cx::postgres::migrate take).
std::span<const std::string_view> sqlite_schema_versions();
std::span<const std::string_view> postgres_schema_versions();

}  // namespace cx
