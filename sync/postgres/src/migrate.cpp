#include "cx/postgres/migrate.hpp"

#include <string>

#include "cx/postgres/connection.hpp"
#include "cx/postgres/transaction.hpp"

namespace cx::postgres {

namespace {

// Any fixed number: the key of the advisory lock every cxserver takes to migrate.
constexpr std::string_view kMigrationLock = "SELECT pg_advisory_xact_lock(7365627073)";

}  // namespace

Result<Migration> migrate(Connection& connection, std::span<const std::string_view> versions) {
    const int known = static_cast<int>(versions.size());
    Transaction transaction(connection);
    if (!transaction.begun()) return transaction.begun().error();
    if (auto locked = connection.exec(kMigrationLock); !locked) return locked.error();
    auto created = connection.exec(
        "CREATE TABLE IF NOT EXISTS cx_schema_version (version integer NOT NULL);"
        "INSERT INTO cx_schema_version SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM "
        "cx_schema_version)");
    if (!created) return created.error();
    auto found = connection.query("SELECT version FROM cx_schema_version");
    if (!found) return found.error();
    int from = static_cast<int>(found.value().integer(0, 0));
    if (from > known)
        return make_error(ErrorKind::TooNew,
                          "PostgreSQL: the database is at schema version " + std::to_string(from) +
                              ", newer than this program knows (" + std::to_string(known) +
                              "): upgrade cxserver; the database was not touched");
    for (int version = from; version < known; ++version) {
        auto step = connection.exec(versions[static_cast<std::size_t>(version)]);
        if (!step)
            return make_error(step.error().kind, "migrating the schema from version " +
                                                     std::to_string(version) + ": " +
                                                     step.error().message);
    }
    if (from < known) {
        auto stamped = connection.query("UPDATE cx_schema_version SET version = $1::integer",
                                        {std::to_string(known)});
        if (!stamped) return stamped.error();
    }
    if (auto committed = transaction.commit(); !committed) return committed.error();
    return Migration{from, known};
}

}  // namespace cx::postgres
