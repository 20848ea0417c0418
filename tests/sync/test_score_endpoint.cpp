// GET /api/v1/orgs/{org}/score answers with the very JSON `cxscore score`
// prints for the same records (the export of the same query).
#include <httplib.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "cx/sync/protocol.hpp"
#include "cx/sync/uploader.hpp"
#include "sync_test_support.hpp"

using namespace cx;

namespace {

struct Scored : test::ServerFixture {
    Scored() : http("127.0.0.1", server->port()) {
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
    httplib::Client http;

    httplib::Result get(const std::string& path, const std::string& token) {
        return http.Get(path, {{"Authorization", "Bearer " + token}});
    }

    // cxscore's report over what the export endpoint returns for `query`, checking the
    // signatures with the devices' keys as the server does (both pinned the test key).
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
        auto result = test::run_command({CXSCORE_PATH, "score", "--responses", file.string(),
                                         "--config", CX_TEST_CONFIG_DIR, "--pubkeys",
                                         pubkeys.string()});
        INFO(result.err);
        REQUIRE(result.exit_code == 0);
        return result.out;
    }
};

}  // namespace

TEST_CASE_METHOD(Scored, "the score endpoint equals cxscore score on the same records") {
    for (std::string query : {"", "?site=branch", "?site=hq&from=2025-11-25T11:00:00Z",
                              "?to=2025-11-25", "?from=2025-11-25&to=2025-11-26"}) {
        INFO("query " << query);
        auto reply = get("/api/v1/orgs/demo-org/score" + query, viewer_token);
        REQUIRE(reply);
        CHECK(reply->status == 200);
        CHECK(reply->get_header_value("Content-Type") == "application/json");
        CHECK(reply->body == cxscore_report(query));
    }
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
