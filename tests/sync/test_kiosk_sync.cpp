// Kiosk → server → export: responses committed by the kiosk's own store are
// uploaded by `cxkiosk sync --once` to the real cxserver, and the server's
// export is byte-identical to the kiosk's; a record the server refuses is kept
// on the kiosk as refused and re-sent only with --retry-refused; records tampered
// with in the kiosk's store show at the server (a gap, a bad signature).
#include <httplib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cx/config/config_files.hpp"
#include "cx/kiosk/recovery.hpp"
#include "cx/kiosk/store.hpp"
#include "cx/sync/uploader.hpp"
#include "secret_watch.hpp"
#include "sync_test_support.hpp"

using namespace cx;
using namespace std::chrono_literals;

namespace {

struct KioskWithServer : test::ServerFixture {
    test::TempDir data_dir;

    explicit KioskWithServer(int responses = 620) {
        auto config = load_scoring_config(CX_TEST_CONFIG_DIR).value();
        auto opened = kiosk::open_data_dir_store(data_dir.path());
        REQUIRE(opened.ok());
        kiosk::StoreIdentity identity{"kiosk-01", "demo-org", "hq", config.questionnaire.id};
        auto noon = std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + 12h;
        for (int i = 0; i < responses; ++i) {  // 620: more than one batch
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

    // The token goes where enrolment puts it: DATA_DIR/token, mode 600.
    test::CommandResult sync(const std::string& token, std::vector<std::string> extra = {}) {
        const auto token_file = data_dir / "token";
        std::ofstream(token_file, std::ios::trunc) << token << "\n";
        std::filesystem::permissions(
            token_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        std::vector<std::string> argv{
            CXKIOSK_PATH, "--config-dir",           CX_TEST_CONFIG_DIR, "sync",       "--once",
            "--data-dir", data_dir.path().string(), "--server",         server->url()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return test::run_command(argv);
    }

    std::unique_ptr<kiosk::Store> open_kiosk_store() {
        auto key = kiosk::load_device_key(data_dir.path());
        REQUIRE(key.ok());
        auto opened =
            kiosk::Store::open((data_dir / kiosk::Store::kFileName).string(), key.value());
        REQUIRE(opened.ok());
        return std::move(opened.value());
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
    CHECK_THAT(first.err, Catch::Contains("sync sent 620, refused 0, 0 waiting"));
    auto exported = kiosk_export();
    CHECK(test::split_lines(exported).size() == 620);
    CHECK(export_with_cli() == exported);

    auto again = sync(device_token);
    CHECK(again.exit_code == 0);
    CHECK_THAT(again.err, Catch::Contains("sync sent 0, refused 0, 0 waiting"));
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

namespace {

struct FourResponses : KioskWithServer {
    FourResponses() : KioskWithServer(4) {}
};

}  // namespace

TEST_CASE_METHOD(FourResponses,
                 "a record the server holds with other content is refused as a conflict, the "
                 "others are stored byte-identical, and only it is re-sent on --retry-refused") {
    auto kiosk_records = open_kiosk_store()->pending(10).value();
    REQUIRE(kiosk_records.size() == 4);
    // The server already holds the second record's id with other content, sealed by
    // the kiosk's own key (so it is a conflict, not a bad signature).
    auto clash = kiosk_records[1];
    auto config = load_scoring_config(CX_TEST_CONFIG_DIR).value();
    ResponseParser parser({&config.questionnaire, 1});
    Response changed;
    REQUIRE(parser.parse(clash.json, changed).ok());
    changed.duration_ms = 40001;
    test::reseal(changed, kiosk::load_device_key(data_dir.path()).value());
    clash.json = to_canonical_json(changed);
    test::MemoryOutbox other_content({clash});
    REQUIRE(sync_once(other_content, client_config()).sent == 1);

    auto first = sync(device_token);
    INFO(first.err);
    CHECK(first.exit_code == 6);  // a record was refused in this run
    CHECK_THAT(first.err, Catch::Contains("sync sent 3, refused 1, 0 waiting: conflict: "));
    auto server_lines = test::split_lines(export_with_cli());
    REQUIRE(server_lines.size() == 4);
    for (std::size_t i : {0u, 2u, 3u})
        CHECK(std::count(server_lines.begin(), server_lines.end(), kiosk_records[i].json) == 1);
    CHECK(std::count(server_lines.begin(), server_lines.end(), clash.json) == 1);

    auto store = open_kiosk_store();
    auto counts = store->counts().value();
    CHECK(counts.sent == 3);
    CHECK(counts.refused == 1);
    CHECK(counts.unsent == 0);
    auto refusals = store->latest_refusals(5).value();
    REQUIRE(refusals.size() == 1);
    CHECK(refusals[0].id == kiosk_records[1].id);
    CHECK(refusals[0].seq == 2);
    CHECK(refusals[0].code == "conflict");

    auto plain = sync(device_token);  // refused records wait for staff
    CHECK(plain.exit_code == 0);
    CHECK_THAT(plain.err, Catch::Contains("sync sent 0, refused 0, 0 waiting"));

    auto retried = sync(device_token, {"--retry-refused"});
    CHECK(retried.exit_code == 6);
    CHECK_THAT(retried.err, Catch::Contains("sync sent 0, refused 1, 0 waiting"));
    CHECK(store->counts().value().refused == 1);
    server->stop();  // so the request log is complete
    auto log = test::split_lines(server->log());
    REQUIRE_FALSE(log.empty());
    CHECK_THAT(log.back(), Catch::Contains("POST /api/v1/responses 200 records=1 "));
}

namespace {

struct SixResponses : KioskWithServer {
    SixResponses() : KioskWithServer(6) {}

    // Runs sqlite3 on the kiosk's store, as someone with the file and no program would.
    void tamper(const std::string& sql) {
        const auto db = data_dir / kiosk::Store::kFileName;
        REQUIRE(std::system(("sqlite3 '" + db.string() + "' \"" + sql + "\"").c_str()) == 0);
    }

    nlohmann::json integrity_report() {
        httplib::Client http("127.0.0.1", server->port());
        test::watch_replies(http);
        auto reply = http.Get("/api/v1/orgs/demo-org/integrity",
                              {{"Authorization", "Bearer " + viewer_token}});
        REQUIRE(reply);
        REQUIRE(reply->status == 200);
        return nlohmann::json::parse(reply->body);
    }
};

}  // namespace

TEST_CASE_METHOD(SixResponses,
                 "kiosk → server: a record deleted from the kiosk's store before sync is a gap "
                 "in the server's integrity report") {
    tamper(
        "DROP TRIGGER responses_never_deleted; DROP TRIGGER answers_never_deleted; "
        "DELETE FROM answers WHERE response_id = (SELECT id FROM responses WHERE seq = 4); "
        "DELETE FROM responses WHERE seq = 4;");
    auto synced = sync(device_token);
    INFO(synced.err);
    CHECK(synced.exit_code == 0);
    CHECK_THAT(synced.err, Catch::Contains("sync sent 5, refused 0, 0 waiting"));
    auto report = integrity_report();
    INFO(report.dump());
    REQUIRE(report["devices"].size() == 1);
    const auto& device = report["devices"][0];
    CHECK(device["device"] == "kiosk-01");
    CHECK(device["highest_seq"] == 6);
    REQUIRE(device["gaps"].size() == 1);
    CHECK(device["gaps"][0]["first"] == 4);
    CHECK(device["gaps"][0]["last"] == 4);
    CHECK(device["forks"].empty());
}

TEST_CASE_METHOD(SixResponses,
                 "kiosk → server: an answer edited in the kiosk's store is refused by the server "
                 "(bad_signature) and kept on the kiosk as refused, the rest is stored") {
    tamper(
        "DROP TRIGGER responses_immutable; "
        "UPDATE responses SET record = replace(record, '\\\"1.1\\\":2', '\\\"1.1\\\":5') "
        "WHERE seq = 2;");
    auto synced = sync(device_token);
    INFO(synced.err);
    CHECK(synced.exit_code == 6);  // a record was refused in this run
    CHECK_THAT(synced.err, Catch::Contains("sync sent 5, refused 1, 0 waiting") &&
                               Catch::Contains("bad_signature"));
    CHECK(test::split_lines(export_with_cli()).size() == 5);
    auto status = test::run_command(
        {CXKIOSK_PATH, "status", "--data-dir", data_dir.path().string(), "--format", "json"});
    REQUIRE(status.exit_code == 0);
    auto kiosk = nlohmann::json::parse(status.out);
    INFO(status.out);
    CHECK(kiosk["counts"]["refused"] == 1);
    CHECK(kiosk["counts"]["sent"] == 5);
    REQUIRE(kiosk["refusals"].size() == 1);
    CHECK(kiosk["refusals"][0]["seq"] == 2);
    CHECK(kiosk["refusals"][0]["code"] == "bad_signature");
}

namespace {

// Fleet health (sync/PROTOCOL.md "POST /api/v1/heartbeat"): the kiosk's own store and
// the uploader the kiosk runs, heartbeats every 200 ms, the upload interval an hour.
struct BeatingKiosk : FourResponses {
    BeatingKiosk() { test::watch_replies(http); }
    std::unique_ptr<kiosk::Store> store = open_kiosk_store();
    httplib::Client http{"127.0.0.1", server->port()};

    ClientConfig beating_config() {
        auto config = client_config();
        config.heartbeat_interval = 200ms;
        config.version = "9.8.7";
        config.data_dir = data_dir.path();
        return config;
    }
    // kiosk-01 as GET …/devices lists it, once `ready` holds (polled, up to 30 s).
    nlohmann::json listed_once(const std::function<bool(const nlohmann::json&)>& ready) {
        nlohmann::json entry;
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        do {
            auto reply = http.Get("/api/v1/orgs/demo-org/devices",
                                  {{"Authorization", "Bearer " + viewer_token}});
            REQUIRE(reply);
            REQUIRE(reply->status == 200);
            const auto body = nlohmann::json::parse(reply->body);
            for (const auto& device : body["devices"])
                if (device["device"] == "kiosk-01") entry = device;
            if (!entry.is_null() && !entry["last_heartbeat"].is_null() && ready(entry)) break;
            std::this_thread::sleep_for(50ms);
        } while (std::chrono::steady_clock::now() < deadline);
        INFO(entry.dump());
        REQUIRE(!entry["last_heartbeat"].is_null());
        return entry;
    }
};

}  // namespace

TEST_CASE_METHOD(BeatingKiosk, "kiosk → server: heartbeats after a sync and on their interval") {
    UploadWorker worker(*store, beating_config(), 1h);
    // The heartbeat after the first pass already says nothing waits.
    auto entry = listed_once([](const nlohmann::json& device) {
        return device["records"] == 4 && device["last_heartbeat"]["waiting"] == 0;
    });
    INFO(entry.dump());
    CHECK(entry["status"] == "ok");
    CHECK(entry["site"] == "hq");
    CHECK(entry["last_upload"].is_string());
    const auto& beat = entry["last_heartbeat"];
    CHECK(beat["version"] == "9.8.7");
    CHECK(beat["refused"] == 0);
    CHECK(beat["last_activity"] == "2026-11-25T12:03:40Z");  // the fourth response's submission
    CHECK(beat["free_disk_bytes"].get<std::int64_t>() > 0);
    // Same machine, same clock: the estimate is within half a second plus the round trip.
    REQUIRE(beat["clock_offset_ms"].is_number_integer());
    CHECK(std::abs(beat["clock_offset_ms"].get<std::int64_t>()) < 1500);

    // Nothing waits and the upload interval is an hour: only the heartbeat interval
    // keeps it coming, its uptime growing.
    auto later = listed_once(
        [](const nlohmann::json& device) { return device["last_heartbeat"]["uptime_s"] >= 2; });
    CHECK(later["last_heartbeat"]["uptime_s"] >= 2);
    CHECK(later["status"] == "ok");
}

TEST_CASE_METHOD(BeatingKiosk, "kiosk → server: a kiosk clock 5 minutes fast is attention: clock") {
    auto config = beating_config();
    config.now = [] { return std::chrono::system_clock::now() + 5min; };
    UploadWorker worker(*store, config, 1h);
    auto entry =
        listed_once([](const nlohmann::json& device) { return device["status"] == "attention"; });
    INFO(entry.dump());
    CHECK(entry["status"] == "attention");
    CHECK(entry["reasons"] == nlohmann::json::array({"clock"}));
    auto offset = entry["last_heartbeat"]["clock_offset_ms"].get<std::int64_t>();
    CHECK(std::abs(offset - 300'000) < 1500);
}

TEST_CASE_METHOD(FourResponses, "cxkiosk enrol trades a code for its token, then uploads with it") {
    auto code = test::enrol_code(
        db, {"--org", "demo-org", "--site", "hq", "--device", "kiosk-01", "--ttl", "30m"});
    auto enrol = [&](const std::string& server_url, std::vector<std::string> extra = {}) {
        std::vector<std::string> argv{CXKIOSK_PATH, "--config-dir", CX_TEST_CONFIG_DIR,
                                      "enrol",      "--data-dir",   data_dir.path().string(),
                                      "--server",   server_url,     "--code",
                                      code};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return test::run_command(argv);
    };
    auto enrolled = enrol(server->url());
    INFO(enrolled.err);
    REQUIRE(enrolled.exit_code == 0);
    CHECK_THAT(enrolled.out, Catch::Contains("device kiosk-01"));

    // DATA_DIR/token, owner-only, and nowhere in what the command printed.
    const auto token_file = data_dir / "token";
    CHECK((std::filesystem::status(token_file).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    std::ifstream in(token_file);
    std::string token;
    std::getline(in, token);
    REQUIRE(token.size() == 64);
    CHECK(enrolled.out.find(token) == std::string::npos);
    CHECK(enrolled.err.find(token) == std::string::npos);

    // The kiosk uploads with it, under the key it sent with the code.
    auto synced =
        test::run_command({CXKIOSK_PATH, "--config-dir", CX_TEST_CONFIG_DIR, "sync", "--once",
                           "--data-dir", data_dir.path().string(), "--server", server->url()});
    INFO(synced.err);
    CHECK(synced.exit_code == 0);
    CHECK(test::split_lines(export_with_cli()).size() == 4);
    httplib::Client http("127.0.0.1", server->port());
    test::watch_replies(http);
    auto report =
        http.Get("/api/v1/orgs/demo-org/integrity", {{"Authorization", "Bearer " + viewer_token}});
    REQUIRE(report);
    auto device = nlohmann::json::parse(report->body)["devices"][0];
    CHECK(device["keys"][0]["key"] ==
          kiosk::load_device_key(data_dir.path()).value().public_key().hex());
    CHECK(device["keys"][0]["trusted"] == "enrolled");

    // Enrolled already: refused unless --force; --force with a used code: the server's reason.
    auto again = enrol(server->url());
    CHECK(again.exit_code == 2);
    CHECK_THAT(again.err, Catch::Contains("--force"));
    auto used = enrol(server->url(), {"--force"});
    CHECK(used.exit_code == 1);
    CHECK_THAT(used.err, Catch::Contains("code_used"));
    // The token stays as it was.
    std::ifstream kept(token_file);
    std::string still;
    std::getline(kept, still);
    CHECK(still == token);
    // Plain http only to this machine: the token would travel in clear.
    auto plain = enrol("http://certifier.example:8080", {"--force"});
    CHECK(plain.exit_code == 2);
    CHECK_THAT(plain.err, Catch::Contains("https"));
}
