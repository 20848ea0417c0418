#include "cx/kiosk/write_probe.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "cx/kiosk/store.hpp"

namespace cx::kiosk {

std::string_view to_string(WriteFault fault) {
    switch (fault) {
        case WriteFault::DiskFull:
            return "disk_full";
        case WriteFault::ReadOnly:
            return "read_only";
        case WriteFault::IoError:
            return "io_error";
        case WriteFault::Other:
            return "other";
    }
    return "other";
}

WriteFault fault_of_errno(int error_number) {
    switch (error_number) {
        case ENOSPC:
        case EDQUOT:
            return WriteFault::DiskFull;
        case EROFS:
        case EACCES:
        case EPERM:
            return WriteFault::ReadOnly;
        case EIO:
            return WriteFault::IoError;
        default:
            return WriteFault::Other;
    }
}

WriteFault fault_of(const Error& error) {
    const auto says = [&](const char* text) {
        return error.message.find(text) != std::string::npos;
    };
    if (says(sqlite3_errstr(SQLITE_FULL)) || says(std::strerror(ENOSPC)) ||
        says(std::strerror(EDQUOT)))
        return WriteFault::DiskFull;
    if (says(sqlite3_errstr(SQLITE_READONLY)) || says(std::strerror(EROFS)) ||
        says(std::strerror(EACCES)))
        return WriteFault::ReadOnly;
    if (says(sqlite3_errstr(SQLITE_IOERR)) || says(std::strerror(EIO))) return WriteFault::IoError;
    return WriteFault::Other;
}

namespace {

// The probe file: written, fsync'ed and removed; a failure names its errno.
std::optional<int> write_probe_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return errno;
    static const std::string kBlock(64 * 1024, '\0');
    std::optional<int> failed;
    for (std::size_t left = kProbeBytes; left > 0 && !failed;) {
        const ssize_t n = ::write(fd, kBlock.data(), std::min(left, kBlock.size()));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            failed = n < 0 ? errno : ENOSPC;  // a write of 0 bytes: no room for more
        } else {
            left -= static_cast<std::size_t>(n);
        }
    }
    if (!failed && ::fsync(fd) != 0) failed = errno;
    if (::close(fd) != 0 && !failed) failed = errno;
    if (::unlink(path.c_str()) != 0 && !failed) failed = errno;
    return failed;
}

}  // namespace

ProbeOutcome probe_writes(const std::filesystem::path& data_dir, Store& store) {
    ProbeOutcome outcome;
    outcome.at = std::chrono::system_clock::now();
    const auto path = data_dir / ".write-probe";
    if (const auto failed = write_probe_file(path)) {
        outcome.fault = fault_of_errno(*failed);
        outcome.detail = "writing " + path.string() + ": " + std::strerror(*failed);
        return outcome;
    }
    if (auto written = store.check_writable(); !written) {
        outcome.fault = fault_of(written.error());
        outcome.detail = written.error().message;
        return outcome;
    }
    outcome.writable = true;
    return outcome;
}

std::optional<std::uint64_t> free_bytes(const std::filesystem::path& dir) {
    struct statvfs stats {};
    if (::statvfs(dir.c_str(), &stats) != 0) return std::nullopt;
    return static_cast<std::uint64_t>(stats.f_bavail) * stats.f_frsize;
}

}  // namespace cx::kiosk
