#include "cx/server/sqlite_backup.hpp"

#include "cx/server/schema_versions.hpp"
#include "cx/sqlite/backup.hpp"
#include "cx/sqlite/migrate.hpp"

namespace cx {

namespace {

// A backup worth restoring: an intact SQLite file holding a cxserver schema
// no newer than this program's.
Status check_backup(sqlite::Connection& backup) {
    if (auto checked = backup.quick_check(); !checked) return checked;
    auto version =
        sqlite::check_schema_version(backup, static_cast<int>(sqlite_schema_versions().size()));
    if (!version) return version.error();
    if (version.value() == 0)
        return make_error(ErrorKind::Invalid,
                          backup.path() + " is not a cxserver database (no schema version)");
    return Ok{};
}

// The copy is closed on return, so its files are complete or can be removed.
Status write_checked_copy(sqlite::Connection& source, const std::filesystem::path& temp) {
    auto copy = sqlite::Connection::open(temp.string());
    if (!copy) return make_error(ErrorKind::Io, copy.error().message);
    if (auto copied = sqlite::copy_database(source, copy.value()); !copied) return copied;
    if (auto checked = check_backup(copy.value()); !checked) return checked;
    // One self-contained file: no -wal beside it once the copy is closed.
    return copy.value().exec("PRAGMA journal_mode=DELETE");
}

}  // namespace

Result<WrittenFile> back_up_sqlite(const std::string& db_path, const std::filesystem::path& out) {
    auto source = sqlite::Connection::open(db_path, {sqlite::Access::ReadOnly});
    if (!source) return source.error();
    const auto temp = temporary_path_for(out);
    if (auto written = write_checked_copy(source.value(), temp); !written) {
        std::error_code ignored;
        for (const char* suffix : {"", "-wal", "-shm", "-journal"})
            std::filesystem::remove(temp.string() + suffix, ignored);
        return written.error();
    }
    // Responses and token hashes: the owner's alone, whatever the umask.
    std::error_code mode_error;
    std::filesystem::permissions(
        temp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, mode_error);
    if (mode_error) return make_error(ErrorKind::Io, temp.string() + ": " + mode_error.message());
    return publish_file(temp, out);
}

Status restore_sqlite(const std::filesystem::path& backup, const std::string& db_path) {
    auto source = sqlite::Connection::open(backup.string(), {sqlite::Access::ReadOnly});
    if (!source) return source.error();
    if (auto checked = check_backup(source.value()); !checked) return checked;
    auto target = sqlite::Connection::open(db_path);
    if (!target) return target.error();
    return sqlite::copy_database(source.value(), target.value());
}

}  // namespace cx
