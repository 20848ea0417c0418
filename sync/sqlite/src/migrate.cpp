#include "cx/sqlite/migrate.hpp"

#include <string>

#include "cx/sqlite/connection.hpp"
#include "cx/sqlite/transaction.hpp"

namespace cx::sqlite {

Result<int> check_schema_version(Connection& connection, int known) {
    auto found = connection.user_version();
    if (!found) return found.error();
    if (found.value() > known)
        return make_error(ErrorKind::TooNew,
                          connection.path() + ": schema version " + std::to_string(found.value()) +
                              " is newer than this program knows (" + std::to_string(known) + ")");
    return found.value();
}

Result<Migration> migrate(Connection& connection, std::span<const std::string_view> versions) {
    return migrate(connection, versions, [](Connection&, int) -> Status { return Ok{}; });
}

Result<Migration> migrate(Connection& connection, std::span<const std::string_view> versions,
                          const MigrationHook& after_script) {
    const int known = static_cast<int>(versions.size());
    // Read inside the write transaction: two programs opening a new file at
    // once must not both apply version 1.
    auto transaction = Transaction::begin(connection);
    if (!transaction) return transaction.error();
    auto found = check_schema_version(connection, known);
    if (!found) return found.error();
    const Migration migration{found.value(), known};
    if (migration.from == known) return migration;  // the transaction rolls back: nothing written
    for (int version = migration.from; version < known; ++version) {
        auto applied = connection.exec(versions[static_cast<std::size_t>(version)]);
        if (applied) applied = after_script(connection, version + 1);
        if (!applied) {
            auto error = applied.error();
            error.message = connection.path() + ": migration to schema version " +
                            std::to_string(version + 1) + " failed: " + error.message;
            return error;
        }
    }
    if (auto stamped = connection.exec("PRAGMA user_version = " + std::to_string(known)); !stamped)
        return stamped.error();
    if (auto committed = transaction.value().commit(); !committed) return committed.error();
    return migration;
}

}  // namespace cx::sqlite
