#pragma once
// Back-up and restore of the embedded SQLite database (deploy/README.md
// "Back up and restore"). A PostgreSQL database is backed up with pg_dump.
#include <filesystem>
#include <string>

#include "cx/config/atomic_file.hpp"
#include "cx/scoring/result.hpp"

namespace cx {

// A consistent copy of the database at `db_path` while cxserver keeps serving
// (SQLite's online backup), checked and published at `out` complete or not at
// all (written beside it, fsync'ed, renamed). Its SHA-256 is in the result.
Result<WrittenFile> back_up_sqlite(const std::string& db_path, const std::filesystem::path& out);

// Replaces the content of the database at `db_path` (created if missing) by the
// backup's, in one transaction, after checking the backup: it must pass
// SQLite's quick_check and hold a cxserver schema this program knows (an older
// one is migrated when the store is next opened). cxserver must be stopped.
Status restore_sqlite(const std::filesystem::path& backup, const std::string& db_path);

}  // namespace cx
