// GET /api/v1/orgs/{org}/score answers with the very JSON `cxscore score`
// prints for the same records (the export of the same query).
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>
#include <fstream>

#include "cx/config/config_files.hpp"
#include "cx/integrity/seal.hpp"
#include "cx/server/server_store.hpp"
#include "cx/sync/protocol.hpp"
#include "cx/sync/uploader.hpp"
#include "secret_watch.hpp"
#include "sync_test_support.hpp"

using namespace cx;

namespace {

// The real cxserver and cxscore side by side on its records.
struct ScoreServer : test::ServerFixture {
    ScoreServer() : http("127.0.0.1", server->port()) { test::watch_replies(http); }
    httplib::Client http;

    httplib::Result get(const std::string& path, const std::string& token) {
        return http.Get(path, {{"Authorization", "Bearer " + token}});
    }

    // cxscore's report over what the export endpoint returns for `query`, checking the
    // signatures with the devices' keys as the server does (both pinned the test key),
    // with the assessment the server holds as current (GET …/assessment), if any.
    std::string cxscore_report(const std::string& query) {
        auto exported = get("/api/v1/orgs/demo-org/responses.jsonl" + query, viewer_token);
        REQUIRE(exported);
        REQUIRE(exported->status == 200);
        auto file = dir / "scored.jsonl";
        std::ofstream(file, std::ios::binary) << exported->body;
        auto pubkeys = dir / "pubkeys.json";
        const auto key = test::test_signing_key().public_key().hex();
        std::ofstream(pubkeys) << R"({"kiosk-01": ")" << key << R"(", "kiosk-07": ")" << key
                               << "\"}\n";
        std::vector<std::string> command{CXSCORE_PATH,  "score",         "--responses",
                                         file.string(), "--config",      CX_TEST_CONFIG_DIR,
                                         "--pubkeys",   pubkeys.string()};
        auto current = get("/api/v1/orgs/demo-org/assessment", viewer_token);
        REQUIRE(current);
        if (current->status == 200) {
            auto assessment = dir / "assessment.json";
            std::ofstream(assessment, std::ios::binary)
                << nlohmann::json::parse(current->body)["document"].get<std::string>();
            command.insert(command.end(), {"--assessment", assessment.string()});
        } else {
            REQUIRE(current->status == 404);
        }
        auto result = test::run_command(command);
        INFO(result.err);
        REQUIRE(result.exit_code == 0);
        return result.out;
    }

    // The score endpoint's answer to `query` is cxscore's on the export of it.
    void check_same_as_cxscore(const std::string& query) {
        INFO("query " << query);
        auto reply = get("/api/v1/orgs/demo-org/score" + query, viewer_token);
        REQUIRE(reply);
        CHECK(reply->status == 200);
        CHECK(reply->get_header_value("Content-Type") == "application/json");
        CHECK(reply->body == cxscore_report(query));
    }

    // Saves `document` as demo-org's assessment through PUT …/assessment.
    void save_assessment(const std::string& document) {
        auto reply =
            http.Put("/api/v1/orgs/demo-org/assessment",
                     {{"Authorization", "Bearer " + admin_token}}, document, "application/json");
        REQUIRE(reply);
        INFO(reply->body);
        REQUIRE(reply->status == 200);
    }

    // All 21 requirements at `level`, conformity as given.
    static std::string assessment_at(int level, bool conformity_passed) {
        std::string levels;
        for (const auto* id :
             {"1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "3.1", "3.2", "4.1", "4.2",
              "4.3", "4.4", "4.5", "5.1", "5.2", "6.1", "6.2", "6.3", "7.1", "7.2"})
            levels += std::string(levels.empty() ? "" : ", ") + "\"" + id +
                      "\": " + std::to_string(level);
        return "{\"org\": \"demo-org\", \"auditor\": \"审核员\", \"date\": \"2026-11-30\", "
               "\"conformity_passed\": " +
               std::string(conformity_passed ? "true" : "false") + ", \"levels\": {" + levels +
               "}}\n";
    }

    std::string admin_token = test::add_token(db, {"--role", "admin", "--org", "demo-org"});

    void upload(const std::vector<PendingRecord>& records, const std::string& token) {
        test::MemoryOutbox outbox(records);
        auto config = client_config();
        config.token = token;
        REQUIRE(sync_once(outbox, config).ok);
        REQUIRE(outbox.waiting() == 0);
    }
};

struct Scored : ScoreServer {
    Scored() {
        // Two sites of one org, and some incomplete or flagged responses the policy excludes.
        auto north = test::make_records("demo-org", "hq", "kiosk-01", 1, 120);
        test::MemoryOutbox outbox(north);
        REQUIRE(sync_once(outbox, client_config()).ok);
        auto branch_token = test::add_token(db, {"--role", "device", "--org", "demo-org", "--site",
                                                 "branch", "--device", "kiosk-07"});
        std::vector<PendingRecord> branch;
        for (std::int64_t seq = 1; seq <= 40; ++seq) {
            auto r = test::make_response("demo-org", "branch", "kiosk-07", seq);
            if (seq % 9 == 0) r.status = ResponseStatus::Incomplete;
            if (seq % 11 == 0) r.flags = {"speeder"};
            test::reseal(r);
            branch.push_back({r.id, to_canonical_json(r)});
        }
        test::MemoryOutbox branch_outbox(branch);
        auto config = client_config();
        config.token = branch_token;
        REQUIRE(sync_once(branch_outbox, config).ok);
    }
};

struct DaySpread : ScoreServer {
    // The kiosk flags what the server flags: cxscore sees only the kiosk's flags.
    test::SpreadChain hq{"hq", "kiosk-01", 100, true};
    test::SpreadChain branch{"branch", "kiosk-07", 60, true};
    std::string branch_token = test::add_token(
        db, {"--role", "device", "--org", "demo-org", "--site", "branch", "--device", "kiosk-07"});

    // Rows stored unsigned before integrity, as a migrated database holds them: stored
    // through the store with no scoring config, which marks their days stale as the
    // migration to day states does (on either backend, beside the running server).
    void store_unsigned(std::int64_t first, std::int64_t last) {
        auto store = open_store(db);
        REQUIRE(store);
        std::vector<StoredRecord> rows;
        for (auto seq = first; seq <= last; ++seq)
            rows.push_back(stored_record(hq.unsealed[static_cast<std::size_t>(seq - 1)]));
        auto outcomes = store.value()->ingest(rows, "2025-11-30T00:00:00Z");
        REQUIRE(outcomes);
        for (auto outcome : outcomes.value()) REQUIRE(outcome == RecordOutcome::Stored);
    }

    std::int64_t stale_days() {
        auto store = open_store(db);
        REQUIRE(store);
        std::int64_t stale = 0;
        REQUIRE(store.value()->for_each_day_state(
            {"demo-org", {}, {}, {}}, [&](const DayStateRow& row) { stale += row.state.empty(); }));
        return stale;
    }
};

}  // namespace

TEST_CASE_METHOD(Scored, "the score endpoint equals cxscore score on the same records") {
    for (std::string query : {"", "?site=branch", "?site=hq&from=2025-11-25T11:00:00Z",
                              "?to=2025-11-25", "?from=2025-11-25&to=2025-11-26"})
        check_same_as_cxscore(query);
}

TEST_CASE_METHOD(Scored,
                 "with an assessment saved, the score's management, grade and reasons are "
                 "cxscore score --assessment's on the export") {
    const std::vector<std::string> queries{"", "?site=branch", "?from=2025-11-25&to=2025-11-26"};
    // The sample (四级, conformity passed), then one below every grade's management
    // level with the conformity review failed: the latest counts.
    for (const auto& document :
         {read_text_file(std::filesystem::path(CX_TEST_CONFIG_DIR) / "samples" / "assessment.json")
              .value(),
          assessment_at(2, false), assessment_at(5, true)}) {
        save_assessment(document);
        for (const auto& query : queries) check_same_as_cxscore(query);
        auto score = nlohmann::json::parse(get("/api/v1/orgs/demo-org/score", viewer_token)->body);
        CHECK(score["grade"].is_string());
        CHECK(score["management"]["org"] == "demo-org");
        CHECK(score["reasons"].is_array());
    }
    auto score = nlohmann::json::parse(get("/api/v1/orgs/demo-org/score", viewer_token)->body);
    CHECK(score["management"]["level"] == 5);
}

TEST_CASE_METHOD(DaySpread,
                 "a grade over a broken chain carries the integrity warning, as cxscore's does") {
    // kiosk-01 without seqs 30–35: a gap in its chain.
    auto gapped = hq.records(1, 29);
    for (auto& record : hq.records(36, 50)) gapped.push_back(std::move(record));
    upload(gapped, device_token);
    save_assessment(assessment_at(5, true));
    check_same_as_cxscore("");
    auto score = nlohmann::json::parse(get("/api/v1/orgs/demo-org/score", viewer_token)->body);
    CHECK(score["grade"].is_string());
    CHECK(score.contains("grade_warning"));
}

TEST_CASE_METHOD(DaySpread,
                 "scores from day states equal cxscore over days, sites, mid-day bounds, late "
                 "arrivals, stale days and upgraded unsigned rows") {
    // Bounds at midnight and mid-day, one day, several, open on either side, per site.
    const std::vector<std::string> queries{
        "",
        "?site=branch",
        "?site=hq&from=2025-11-25T11:00:00Z",
        "?to=2025-11-27T13:30:00Z",
        "?from=2025-11-25&to=2025-11-28",
        "?from=2025-11-26T05:00:00Z&to=2025-11-26T20:00:00Z",
        "?from=2025-11-26&to=2025-11-26T09:00:00Z",
        "?site=hq&from=2025-11-24T12:00:00Z&to=2025-11-28T06:00:00Z",
        "?from=2025-11-27T10:00:00Z&to=2025-11-25T10:00:00Z",
    };
    // kiosk-01 without seqs 30–35 (they arrive late) and 90–95 (stored unsigned).
    auto early = hq.records(1, 29);
    for (auto& record : hq.records(36, 89)) early.push_back(std::move(record));
    for (auto& record : hq.records(96, 100)) early.push_back(std::move(record));
    upload(early, device_token);
    upload(branch.records(1, 60), branch_token);
    store_unsigned(90, 95);
    REQUIRE(stale_days() > 0);

    for (const auto& query : queries) check_same_as_cxscore(query);
    // The whole range's score rebuilt the stale days and put them back.
    CHECK(stale_days() == 0);

    // Late arrivals into days that have states, and the unsigned rows' sealed versions.
    upload(hq.records(30, 35), device_token);
    upload(hq.records(90, 95), device_token);
    for (const auto& query : queries) check_same_as_cxscore(query);
    CHECK(stale_days() == 0);
}

TEST_CASE_METHOD(Scored, "the score endpoint needs a viewer or admin token of that org") {
    auto status = [&](const std::string& token) {
        auto reply = get("/api/v1/orgs/demo-org/score", token);
        REQUIRE(reply);
        CHECK(decode_error(reply->body));
        return reply->status;
    };
    CHECK(http.Get("/api/v1/orgs/demo-org/score")->status == 401);
    CHECK(status(std::string(64, 'e')) == 401);
    CHECK(status(device_token) == 403);
    CHECK(status(test::add_token(db, {"--role", "viewer", "--org", "rival"})) == 403);
    CHECK(get("/api/v1/orgs/demo-org/score?from=tomorrow", viewer_token)->status == 400);
    auto admin = test::add_token(db, {"--role", "admin", "--org", "demo-org"});
    CHECK(get("/api/v1/orgs/demo-org/score", admin)->status == 200);
}
