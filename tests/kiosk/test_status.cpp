// The status report of `cxkiosk status`: read from a real store, rendered as
// JSON for scripts and as plain text for operators.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cx/kiosk/status.hpp"
#include "kiosk_test_support.hpp"

using namespace cx;
using namespace cx::kiosk;
using namespace std::chrono_literals;

namespace {

const StoreIdentity kIdentity{"kiosk-07", "demo-org", "north", "tbsc134-b1"};
using test::kNoon;

std::vector<std::string> fill(Store& store, int n) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
        auto s = test::submission(i == 0 ? ResponseStatus::Incomplete : ResponseStatus::Complete);
        auto stored = store.append(s, kIdentity, test::shipped_config().policy, kNoon + i * 1min);
        REQUIRE(stored.ok());
        ids.push_back(stored.value().id);
    }
    return ids;
}

}  // namespace

TEST_CASE("status of a store that never synced") {
    auto opened = Store::open(":memory:", test::test_key());
    REQUIRE(opened);
    auto empty = read_status(*opened.value(), kIdentity);
    REQUIRE(empty.ok());
    CHECK_THAT(render_status_text(empty.value()), Catch::Contains("chain head: no record yet\n"));
    fill(*opened.value(), 2);
    auto status = read_status(*opened.value(), kIdentity);
    REQUIRE(status.ok());
    CHECK(status.value().schema_version == Store::kSchemaVersion);
    const std::string key = test::test_key().public_key().hex();
    const auto head = opened.value()->chain_head(kIdentity.device).value();
    REQUIRE(head.seq == 2);
    CHECK(
        render_status_json(status.value()) ==
        R"({"device":"kiosk-07","org":"demo-org","site":"north","schema_version":4,)"
        R"("key":")" +
            key + R"(","chain_head":{"seq":2,"hash":")" + head.hash +
            R"("},)"
            R"("counts":{"complete":1,"incomplete":1,"waiting":2,"sent":0,"refused":0,"flagged":0},)"
            R"("last_sync":null,"refusals":[]})");
    CHECK(render_status_text(status.value()) ==
          "kiosk kiosk-07 (org demo-org, site north), store schema version 4\n"
          "device key: " +
              key +
              "\n"
              "chain head: seq 2, hash " +
              head.hash.substr(0, 12) +
              "\n"
              "responses: 1 complete, 1 incomplete, 0 flagged\n"
              "upload: 2 waiting, 0 sent, 0 refused by the server\n"
              "last sync: never\n");
}

TEST_CASE("status with a sync result and refusals, newest first") {
    auto opened = Store::open(":memory:", test::test_key());
    REQUIRE(opened);
    auto& store = *opened.value();
    const auto ids = fill(store, 4);
    REQUIRE(store.mark_sent(std::vector<std::string>{ids[0], ids[2]}).ok());
    REQUIRE(
        store.mark_refused(std::vector<RecordRefusal>{{1, ids[1], "conflict", "id taken"}}).ok());
    const auto at = std::chrono::system_clock::time_point(kNoon + 1h);
    REQUIRE(store.record_sync({at, true, 200, 2, 1, 1, false, ""}).ok());

    auto status = read_status(store, kIdentity);
    REQUIRE(status.ok());
    auto json = nlohmann::json::parse(render_status_json(status.value()));
    CHECK(json["counts"]["waiting"] == 1);
    CHECK(json["counts"]["sent"] == 2);
    CHECK(json["counts"]["refused"] == 1);
    CHECK(json["last_sync"]["at"] == "2026-11-25T13:00:00Z");
    CHECK(json["last_sync"]["result"] == "ok");
    CHECK(json["last_sync"]["http_status"] == 200);
    CHECK(json["last_sync"]["refused"] == 1);
    CHECK(json["last_sync"]["remaining"] == 1);
    REQUIRE(json["refusals"].size() == 1);
    CHECK(json["refusals"][0]["id"] == ids[1]);
    CHECK(json["refusals"][0]["seq"] == 2);
    CHECK(json["refusals"][0]["code"] == "conflict");
    CHECK(json["refusals"][0]["detail"] == "id taken");

    auto text = render_status_text(status.value());
    CHECK_THAT(text, Catch::Contains("upload: 1 waiting, 2 sent, 1 refused by the server\n"));
    CHECK_THAT(text, Catch::Contains("last sync: ok at 2026-11-25T13:00:00Z (HTTP 200, 2 sent, "
                                     "1 refused, 1 remaining)\n"));
    CHECK_THAT(text, Catch::Contains("newest refusals:\n  seq 2 (" + ids[1] + ") at "));
    CHECK_THAT(text, Catch::EndsWith(": conflict: id taken\n"));
}

TEST_CASE("status renders a failed sync with its reason") {
    KioskStatus status;
    status.device = "k";
    status.org = "o";
    status.site = "s";
    status.schema_version = 3;
    status.last_sync = SyncReport{
        std::chrono::system_clock::time_point(kNoon), false, 0, 0, 0, 5, false, "cannot connect"};
    CHECK_THAT(render_status_text(status),
               Catch::Contains("last sync: failed at 2026-11-25T12:00:00Z (HTTP 0, 0 sent, 0 "
                               "refused, 5 remaining): cannot connect\n"));
    CHECK_THAT(render_status_json(status), Catch::Contains(R"("result":"failed")") &&
                                               Catch::Contains(R"("detail":"cannot connect")"));
}
