// Exports never destroy: on a full medium (a small tmpfs this test mounts, as
// root) `cxkiosk export` of every format exits 7 with the reason, the older
// file at the target stays byte-identical and no temporary file is left. With
// room again the same command replaces the file.
#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cx/kiosk/cxkiosk_app.hpp"
#include "cx/kiosk/recovery.hpp"
#include "kiosk_test_support.hpp"
#include "run_cli.hpp"

using namespace cx;
using namespace cx::kiosk;
using namespace std::chrono_literals;

namespace {

// A 1 MiB tmpfs at `path`, unmounted (lazily, so a failed check cannot leave it busy) at the end.
class SmallTmpfs {
  public:
    explicit SmallTmpfs(std::filesystem::path path) : path_(std::move(path)) {
        std::filesystem::create_directories(path_);
        if (::mount("cxkiosk-test", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") != 0)
            FAIL("cannot mount a tmpfs at " << path_.string() << ": " << std::strerror(errno)
                                            << " (this test runs as root, here and in CI)");
    }
    ~SmallTmpfs() { ::umount2(path_.c_str(), MNT_DETACH); }
    SmallTmpfs(const SmallTmpfs&) = delete;
    SmallTmpfs& operator=(const SmallTmpfs&) = delete;

    // Fills the medium until only `left` bytes are free.
    void fill_leaving(std::uint64_t left) {
        struct statvfs stats {};
        REQUIRE(::statvfs(path_.c_str(), &stats) == 0);
        const std::uint64_t free = stats.f_bavail * stats.f_frsize;
        REQUIRE(free > left);
        std::ofstream(path_ / "filler", std::ios::binary) << std::string(free - left, 'x');
    }
    void empty_filler() { std::filesystem::remove(path_ / "filler"); }

  private:
    std::filesystem::path path_;
};

void add_responses(const std::filesystem::path& data_dir, int count) {
    const auto& config = cx::kiosk::test::shipped_config();
    auto opened = open_data_dir_store(data_dir);
    REQUIRE(opened);
    const StoreIdentity identity{"kiosk-01", "demo-org", "hq", config.questionnaire.id};
    const auto noon = std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + 12h;
    for (int i = 0; i < count; ++i) {
        Submission submission;
        submission.status = ResponseStatus::Complete;
        submission.lang = Lang::Zh;
        submission.started_wall = noon + std::chrono::minutes(i);
        submission.duration_ms = 60'000;
        for (const auto& item : config.questionnaire.items)
            submission.answers.push_back(Answer{item.id, 1 + i % 5});
        REQUIRE(opened.value().store->append(submission, identity, config.policy,
                                             noon + std::chrono::minutes(i) + 60s));
    }
}

std::vector<std::string> names_in(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

TEST_CASE("cxkiosk export on a full medium exits 7 and leaves the older file untouched") {
    cx::kiosk::test::TempDir dir;
    const auto data_dir = dir.path / "data";
    add_responses(data_dir, 300);
    SmallTmpfs medium(dir.path / "medium");
    const auto medium_dir = dir.path / "medium";
    const std::string older = "an older export that must survive\n";

    for (const std::string format : {"jsonl", "csv", "xlsx"}) {
        INFO(format);
        const auto target = medium_dir / ("export." + format);
        std::ofstream(target, std::ios::binary) << older;
        medium.fill_leaving(8 * 1024);  // room to start writing, not to finish
        const std::vector<std::string> args{"export", "--data-dir", data_dir.string(), "--format",
                                            format,   "--out",      target.string()};

        auto full =
            cx::test::run_cli(run_cxkiosk, {"cxkiosk", "--config-dir", CX_TEST_CONFIG_DIR}, args);
        CHECK(full.exit_code == 7);
        CHECK_THAT(full.err, Catch::Contains("No space left on device"));
        CHECK(cx::kiosk::test::slurp(target) == older);
        CHECK(names_in(medium_dir) == std::vector<std::string>{"export." + format, "filler"});

        medium.empty_filler();
        auto roomy =
            cx::test::run_cli(run_cxkiosk, {"cxkiosk", "--config-dir", CX_TEST_CONFIG_DIR}, args);
        INFO(roomy.err);
        CHECK(roomy.exit_code == 0);
        CHECK(cx::kiosk::test::slurp(target).size() > 8 * 1024);
        CHECK(names_in(medium_dir) == std::vector<std::string>{"export." + format});
        std::filesystem::remove(target);
    }
}
