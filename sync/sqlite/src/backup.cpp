#include "cx/sqlite/backup.hpp"

#include "cx/sqlite/error.hpp"

namespace cx::sqlite {

Status copy_database(Connection& source, Connection& target) {
    sqlite3_backup* backup = sqlite3_backup_init(target.get(), "main", source.get(), "main");
    if (!backup)
        return make_sqlite_error(target.get(), sqlite3_errcode(target.get()),
                                 "cannot copy " + source.path() + " to " + target.path());
    // -1: all pages in one step, so the copy is one snapshot even while the source is written.
    const int stepped = sqlite3_backup_step(backup, -1);
    const int finished = sqlite3_backup_finish(backup);
    if (stepped != SQLITE_DONE)
        return make_sqlite_error(target.get(), stepped,
                                 "copying " + source.path() + " to " + target.path());
    if (finished != SQLITE_OK)
        return make_sqlite_error(target.get(), finished,
                                 "copying " + source.path() + " to " + target.path());
    return Ok{};
}

}  // namespace cx::sqlite
