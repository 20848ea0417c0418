// Kiosk → server → export: responses committed by the kiosk's own store are
// uploaded by `cxkiosk sync --once` to the real cxserver, and the server's
// export is byte-identical to the kiosk's.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "cx/config/config_files.hpp"
#include "cx/kiosk/recovery.hpp"
#include "sync_test_support.hpp"

using namespace cx;
using namespace std::chrono_literals;

namespace {

struct KioskWithServer : test::ServerFixture {
    test::TempDir data_dir;

    KioskWithServer() {
        auto config = load_scoring_config(CX_TEST_CONFIG_DIR).value();
        auto opened = kiosk::open_data_dir_store(data_dir.path());
        REQUIRE(opened.ok());
        kiosk::StoreIdentity identity{"kiosk-01", "demo-org", "hq", config.questionnaire.id};
        auto noon = std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + 12h;
        for (int i = 0; i < 620; ++i) {  // more than one batch
            kiosk::Submission submission;
            submission.status = i % 10 == 9 ? ResponseStatus::Incomplete : ResponseStatus::Complete;
            submission.lang = i % 2 ? Lang::En : Lang::Zh;
            submission.started_wall = noon + std::chrono::minutes(i);
            submission.duration_ms = 40'000;
            submission.answers = {{"1.1", 1 + i % 5}, {"2.3", kNotApplicable}, {"7", 1 + i % 3}};
            REQUIRE(opened.value().store->append(submission, identity, config.policy,
                                                 noon + std::chrono::minutes(i) + 40s));
        }
    }

    test::CommandResult sync(const std::string& token) {
        return test::run_command({CXKIOSK_PATH, "--config-dir", CX_TEST_CONFIG_DIR, "sync",
                                  "--once", "--data-dir", data_dir.path().string(), "--server",
                                  server->url(), "--token", token});
    }

    std::string kiosk_export() {
        auto out = data_dir / "kiosk-export.jsonl";
        auto result = test::run_command({CXKIOSK_PATH, "--config-dir", CX_TEST_CONFIG_DIR, "export",
                                         "--data-dir", data_dir.path().string(), "--format",
                                         "jsonl", "--out", out.string()});
        INFO(result.err);
        REQUIRE(result.exit_code == 0);
        std::ifstream in(out, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }
};

}  // namespace

TEST_CASE_METHOD(KioskWithServer, "cxkiosk sync --once: kiosk export equals server export") {
    auto first = sync(device_token);
    INFO(first.err);
    CHECK(first.exit_code == 0);
    CHECK_THAT(first.err, Catch::Contains("sync sent 620, 0 waiting"));
    auto exported = kiosk_export();
    CHECK(test::split_lines(exported).size() == 620);
    CHECK(export_with_cli() == exported);

    auto again = sync(device_token);
    CHECK(again.exit_code == 0);
    CHECK_THAT(again.err, Catch::Contains("sync sent 0, 0 waiting"));
}

TEST_CASE_METHOD(KioskWithServer,
                 "cxkiosk sync --once exits 6 and keeps everything when it cannot upload") {
    auto refused = sync(std::string(64, '0'));
    CHECK(refused.exit_code == 6);
    CHECK_THAT(refused.err, Catch::Contains("620 waiting") && Catch::Contains("unauthorized"));

    server->stop();
    auto offline = sync(device_token);
    CHECK(offline.exit_code == 6);
    CHECK_THAT(offline.err, Catch::Contains("620 waiting"));
    CHECK(export_with_cli().empty());

    auto usage =
        test::run_command({CXKIOSK_PATH, "sync", "--once", "--data-dir", data_dir.path().string()});
    CHECK(usage.exit_code == 2);
}
