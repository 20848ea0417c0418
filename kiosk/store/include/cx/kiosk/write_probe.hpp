#pragma once
// Whether the kiosk can store the next response: why a write failed (disk full,
// read-only, I/O error, other — for staff) and a probe that proves writing works
// again. While the survey is unavailable the kiosk runs the probe periodically
// (SurveyTimings::probe_every) and returns to the welcome screen when it passes.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "cx/scoring/result.hpp"

namespace cx::kiosk {

class Store;

enum class WriteFault { DiskFull, ReadOnly, IoError, Other };
std::string_view to_string(WriteFault fault);  // "disk_full", "read_only", "io_error", "other"

// The fault behind a failed write, from errno (ENOSPC and EDQUOT are a full disk;
// EROFS, EACCES and EPERM a medium or file that may not be written).
WriteFault fault_of_errno(int error_number);
// The fault behind a store or file error. cx::Error carries no SQLite or errno code,
// so this finds SQLite's own text for SQLITE_FULL / _READONLY / _IOERR (sqlite3_errstr)
// or strerror's for the errno values above in the message.
WriteFault fault_of(const Error& error);

struct ProbeOutcome {
    std::chrono::system_clock::time_point at;
    bool writable = false;
    WriteFault fault = WriteFault::Other;  // when not writable
    std::string detail;                    // what failed, when not writable
};

// How much the probe writes beside the store: more than one response's commit
// needs (a few 4 KiB pages in the WAL), so a passing probe leaves room for one.
inline constexpr std::size_t kProbeBytes = 256 * 1024;

// Writes kProbeBytes to a file in `data_dir`, fsyncs and deletes it, then commits a
// write transaction in the store (Store::check_writable): the file proves the space,
// the transaction that the store itself takes writes (not read-only, not locked).
ProbeOutcome probe_writes(const std::filesystem::path& data_dir, Store& store);

// Bytes an unprivileged writer may still use on the filesystem of `dir`; none if unknown.
std::optional<std::uint64_t> free_bytes(const std::filesystem::path& dir);

// Why the survey is unavailable, for staff: since when, what failed first, the last probe.
struct StoreOutage {
    std::chrono::system_clock::time_point since;
    WriteFault fault = WriteFault::Other;  // of the failed save; the last failed probe's after it
    std::string detail;                    // the failed save's error
    std::optional<ProbeOutcome> last_probe;
};

}  // namespace cx::kiosk
