// Exports never destroy: on a full medium (a small tmpfs this test mounts, as
// root) `cxkiosk export` of every format exits 7 with the reason, the older
// file at the target stays byte-identical and no temporary file is left. With
// room again the same command replaces the file. A full data dir, where the audit
// log cannot record an export, means no export at all.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "cx/kiosk/cxkiosk_app.hpp"
#include "cx/kiosk/export.hpp"
#include "cx/kiosk/recovery.hpp"
#include "kiosk_test_support.hpp"
#include "run_cli.hpp"
#include "small_tmpfs.hpp"

using namespace cx;
using namespace cx::kiosk;
using namespace std::chrono_literals;

namespace {

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
    cx::test::SmallTmpfs medium(dir.path / "medium", "size=1m");
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

TEST_CASE("an export the audit log cannot record does not happen: no file, the store's error") {
    // The store opened before its disk fills (as in the running kiosk): it reads, it
    // cannot write the export's audit line.
    cx::kiosk::test::TempDir dir;
    cx::test::SmallTmpfs data_disk(dir.path / "data-disk", "size=2m");
    const auto data_dir = data_disk.path() / "data";
    add_responses(data_dir, 20);
    auto opened = open_data_dir_store(data_dir);
    REQUIRE(opened);
    Store& store = *opened.value().store;
    const auto& config = cx::kiosk::test::shipped_config();
    const auto out_dir = dir.path / "out";
    std::filesystem::create_directories(out_dir);
    auto audit_size = [&] {
        auto log = store.audit_log();
        REQUIRE(log);
        return log.value().size();
    };
    const auto audited_before = audit_size();
    data_disk.fill_leaving(0);

    for (const auto format : kExportFormats) {
        INFO(to_string(format));
        const auto target = out_dir / ("export." + std::string(to_string(format)));
        auto refused = export_responses(store, config.questionnaire, config.policy, format, target);
        REQUIRE_FALSE(refused);
        CHECK(refused.error().kind == ErrorKind::Store);  // `cxkiosk export` exits 4
        CHECK_THAT(refused.error().message,
                   Catch::Contains("the audit log cannot record the export") &&
                       Catch::Contains("database or disk is full"));
        CHECK(names_in(out_dir).empty());  // neither the file nor its temporary
    }
    CHECK(audit_size() == audited_before);
    data_disk.empty_filler();
    auto exported = export_responses(store, config.questionnaire, config.policy,
                                     ExportFormat::Jsonl, out_dir / "export.jsonl");
    REQUIRE(exported);
    CHECK(exported.value().records == 20);
    CHECK(names_in(out_dir) == std::vector<std::string>{"export.jsonl"});
    CHECK(audit_size() == audited_before + 1);
}
