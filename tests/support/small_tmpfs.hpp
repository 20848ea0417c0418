#pragma once
// A small tmpfs the test mounts itself (as root, here and in CI) to run out of
// disk space on purpose; unmounted lazily at the end, so a failed check cannot
// leave it busy. A test that cannot mount it fails, it never skips.
#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace cx::test {

class SmallTmpfs {
  public:
    // `options` as mount(8) takes them for tmpfs: "size=1m", "size=24m,uid=108,mode=0700".
    SmallTmpfs(std::filesystem::path path, const std::string& options) : path_(std::move(path)) {
        std::filesystem::create_directories(path_);
        if (::mount("cxkiosk-test", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                    options.c_str()) != 0)
            FAIL("cannot mount a tmpfs at " << path_.string() << ": " << std::strerror(errno)
                                            << " (this test runs as root, here and in CI)");
    }
    ~SmallTmpfs() { ::umount2(path_.c_str(), MNT_DETACH); }
    SmallTmpfs(const SmallTmpfs&) = delete;
    SmallTmpfs& operator=(const SmallTmpfs&) = delete;

    const std::filesystem::path& path() const { return path_; }

    // Fills the medium until only `left` bytes are free (0: full).
    void fill_leaving(std::uint64_t left) {
        struct statvfs stats {};
        REQUIRE(::statvfs(path_.c_str(), &stats) == 0);
        const std::uint64_t free = stats.f_bavail * stats.f_frsize;
        REQUIRE(free >= left);
        std::ofstream(path_ / "filler", std::ios::binary) << std::string(free - left, 'x');
    }
    void empty_filler() { std::filesystem::remove(path_ / "filler"); }

  private:
    std::filesystem::path path_;
};

}  // namespace cx::test
