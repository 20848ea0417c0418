// The write probe of a kiosk whose store could not be written, on a small tmpfs
// the test mounts (as root): a full disk fails it as disk_full and leaves no probe
// file; with room again it passes; a read-only data dir fails it as read_only. A
// response the full store refuses is classified from SQLite's own error.
#include <catch2/catch.hpp>

#include <sys/mount.h>

#include <cerrno>
#include <cstring>

#include "cx/kiosk/recovery.hpp"
#include "cx/kiosk/write_probe.hpp"
#include "kiosk_test_support.hpp"
#include "small_tmpfs.hpp"

using namespace cx;
using namespace cx::kiosk;
using namespace std::chrono_literals;

namespace {

Submission one_answer() {
    Submission submission;
    submission.started_wall = std::chrono::system_clock::now() - 60s;
    submission.duration_ms = 60'000;
    submission.answers.push_back(
        Answer{cx::kiosk::test::shipped_config().questionnaire.items[0].id, 4});
    return submission;
}

bool probe_file_left(const std::filesystem::path& data_dir) {
    return std::filesystem::exists(data_dir / ".write-probe");
}

}  // namespace

TEST_CASE("write faults from errno and from SQLite's and the system's messages") {
    CHECK(fault_of_errno(ENOSPC) == WriteFault::DiskFull);
    CHECK(fault_of_errno(EDQUOT) == WriteFault::DiskFull);
    CHECK(fault_of_errno(EROFS) == WriteFault::ReadOnly);
    CHECK(fault_of_errno(EIO) == WriteFault::IoError);
    CHECK(fault_of_errno(EBADF) == WriteFault::Other);
    CHECK(fault_of(make_error(ErrorKind::Store, "SQLite: running \"COMMIT\": disk I/O error")) ==
          WriteFault::IoError);
    CHECK(fault_of(make_error(ErrorKind::Io, std::string("cannot write x: ") +
                                                 std::strerror(ENOSPC))) == WriteFault::DiskFull);
    CHECK(fault_of(make_error(ErrorKind::Busy, "SQLite: database is locked")) == WriteFault::Other);
    CHECK(to_string(WriteFault::DiskFull) == "disk_full");
}

TEST_CASE("the write probe on a full disk, with room again, and read-only") {
    cx::kiosk::test::TempDir dir;
    cx::test::SmallTmpfs disk(dir.path / "disk", "size=2m");
    const auto data_dir = disk.path() / "data";
    auto opened = open_data_dir_store(data_dir);
    REQUIRE(opened);
    Store& store = *opened.value().store;
    const auto& config = cx::kiosk::test::shipped_config();
    const StoreIdentity identity{"kiosk-01", "demo-org", "hq", config.questionnaire.id};

    const auto roomy = probe_writes(data_dir, store);
    CHECK(roomy.writable);
    CHECK_FALSE(probe_file_left(data_dir));
    REQUIRE(free_bytes(data_dir).has_value());

    disk.fill_leaving(0);
    CHECK(free_bytes(data_dir).value() < kProbeBytes);
    auto refused =
        store.append(one_answer(), identity, config.policy, std::chrono::system_clock::now());
    REQUIRE_FALSE(refused);
    INFO(refused.error().message);
    CHECK(fault_of(refused.error()) == WriteFault::DiskFull);
    const auto full = probe_writes(data_dir, store);
    CHECK_FALSE(full.writable);
    CHECK(full.fault == WriteFault::DiskFull);
    CHECK_THAT(full.detail, Catch::Contains(".write-probe"));
    CHECK_FALSE(probe_file_left(data_dir));

    disk.empty_filler();
    CHECK(probe_writes(data_dir, store).writable);
    CHECK(store.append(one_answer(), identity, config.policy, std::chrono::system_clock::now()));

    // The data dir read-only (a bind mount over itself: the store's open files keep
    // their writable mount, as a remount of a busy filesystem would not allow).
    REQUIRE(::mount(data_dir.c_str(), data_dir.c_str(), nullptr, MS_BIND, nullptr) == 0);
    REQUIRE(::mount(nullptr, data_dir.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY,
                    nullptr) == 0);
    const auto read_only = probe_writes(data_dir, store);
    ::umount2(data_dir.c_str(), MNT_DETACH);
    CHECK_FALSE(read_only.writable);
    CHECK(read_only.fault == WriteFault::ReadOnly);
    CHECK(probe_writes(data_dir, store).writable);
    auto counts = store.counts();
    REQUIRE(counts);
    CHECK(counts.value().complete == 1);  // the refused response is not there, the next one is
}
