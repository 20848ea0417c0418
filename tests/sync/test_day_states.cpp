// Day states (README "Scores that do not slow down"): how a query splits into whole
// days and partial ones, and a score from states folded at ingest — with flags only
// the server sets, late arrivals and mid-day bounds — equal to the score of the same
// records re-read one by one (the same database with every day marked stale).
#include <catch2/catch.hpp>

#include "cx/config/config_files.hpp"
#include "cx/server/api_service.hpp"
#include "cx/server/day_score.hpp"
#include "cx/sqlite/connection.hpp"
#include "cx/sync/protocol.hpp"
#include "sync_test_support.hpp"

using namespace cx;

namespace {

ResponseQuery between(std::optional<std::string> from, std::optional<std::string> to) {
    return {"o", std::nullopt, std::move(from), std::move(to)};
}

}  // namespace

TEST_CASE("plan_days: whole days from states, records only for a partial first or last day") {
    auto plan = plan_days(between(std::nullopt, std::nullopt));
    REQUIRE(plan.days);
    CHECK_FALSE(plan.days->first_day);
    CHECK_FALSE(plan.days->end_day);
    CHECK(plan.partial.empty());

    plan = plan_days(between("2025-11-25T00:00:00Z", "2025-11-28T00:00:00Z"));
    CHECK(plan.days->first_day == "2025-11-25");
    CHECK(plan.days->end_day == "2025-11-28");
    CHECK(plan.partial.empty());

    plan = plan_days(between("2025-11-25T11:00:00Z", "2025-11-28T06:30:00Z"));
    CHECK(plan.days->first_day == "2025-11-26");
    CHECK(plan.days->end_day == "2025-11-28");
    REQUIRE(plan.partial.size() == 2);
    CHECK(plan.partial[0].from == "2025-11-25T11:00:00Z");
    CHECK(plan.partial[0].to == "2025-11-26T00:00:00Z");
    CHECK(plan.partial[1].from == "2025-11-28T00:00:00Z");
    CHECK(plan.partial[1].to == "2025-11-28T06:30:00Z");

    // Within one day: one range of records, no day states.
    plan = plan_days(between("2025-11-25T11:00:00Z", "2025-11-25T18:00:00Z"));
    CHECK_FALSE(plan.days);
    REQUIRE(plan.partial.size() == 1);
    CHECK(plan.partial[0].from == "2025-11-25T11:00:00Z");
    CHECK(plan.partial[0].to == "2025-11-25T18:00:00Z");
    plan = plan_days(between("2025-11-25T00:00:00Z", "2025-11-25T18:00:00Z"));
    CHECK_FALSE(plan.days);
    REQUIRE(plan.partial.size() == 1);
    CHECK(plan.partial[0].from == "2025-11-25T00:00:00Z");

    // Open on one side; across a month's and a year's end.
    plan = plan_days(between("2025-12-31T23:00:00Z", std::nullopt));
    CHECK(plan.days->first_day == "2026-01-01");
    CHECK_FALSE(plan.days->end_day);
    REQUIRE(plan.partial.size() == 1);
    CHECK(plan.partial[0].to == "2026-01-01T00:00:00Z");
    plan = plan_days(between(std::nullopt, "2024-03-01T08:00:00Z"));
    CHECK_FALSE(plan.days->first_day);
    CHECK(plan.days->end_day == "2024-03-01");
    REQUIRE(plan.partial.size() == 1);
    CHECK(plan.partial[0].from == "2024-03-01T00:00:00Z");
    CHECK(next_day("2024-02-28") == "2024-02-29");
    CHECK(next_day("2025-02-28") == "2025-03-01");
}

TEST_CASE("a score from day states equals the score of the same records re-read") {
    test::TempDir dir;
    const auto config = load_scoring_config(CX_TEST_CONFIG_DIR).value();
    const auto folded_path = dir / "folded.db";
    const auto reread_path = dir / "reread.db";
    auto folded_store = open_store("sqlite:" + folded_path.string()).value();
    ApiService folded(*folded_store, config);

    // Flags only the server sets (the kiosk's records carry none of them); kiosk-01's
    // seqs 30–35 arrive late, in a day whose state is already written.
    test::SpreadChain hq("hq", "kiosk-01", 100, false);
    test::SpreadChain branch("branch", "kiosk-07", 60, false);
    auto upload = [&](const std::vector<PendingRecord>& records, std::string site,
                      std::string device) {
        TokenGrant grant{0, Role::Device, "demo-org", std::move(site), std::move(device)};
        for (std::size_t i = 0; i < records.size(); i += 25) {
            auto end = std::min(records.size(), i + 25);
            auto reply = folded.ingest(grant, encode_batch(std::span(records).subspan(i, end - i)));
            REQUIRE(reply.status == 200);
            auto ack = decode_ack(reply.body);
            REQUIRE(ack);
            CHECK(ack.value().refused.empty());
        }
    };
    auto early = hq.records(1, 29);
    for (auto& record : hq.records(36, 100)) early.push_back(std::move(record));
    upload(early, "hq", "kiosk-01");
    upload(branch.records(1, 60), "branch", "kiosk-07");
    upload(hq.records(30, 35), "hq", "kiosk-01");

    // The same rows with every day stale: its scores re-read every record.
    {
        auto db = sqlite::Connection::open(folded_path.string());
        REQUIRE(db);
        REQUIRE(db.value().exec("VACUUM INTO '" + reread_path.string() + "'"));
    }
    {
        auto db = sqlite::Connection::open(reread_path.string());
        REQUIRE(db);
        REQUIRE(db.value().exec("UPDATE day_states SET state = x''"));
    }
    auto reread_store = open_store("sqlite:" + reread_path.string()).value();
    ApiService reread(*reread_store, config);

    for (const auto& query :
         {ResponseQuery{"demo-org", {}, {}, {}},
          ResponseQuery{"demo-org", std::string("branch"), {}, {}},
          ResponseQuery{"demo-org", std::string("hq"), std::string("2025-11-25T11:00:00Z"),
                        std::string("2025-11-28T06:00:00Z")},
          ResponseQuery{"demo-org",
                        {},
                        std::string("2025-11-26T00:00:00Z"),
                        std::string("2025-11-27T00:00:00Z")}}) {
        INFO("site " << query.site.value_or("-") << " from " << query.from.value_or("-") << " to "
                     << query.to.value_or("-"));
        auto expected = reread.score(query);
        auto actual = folded.score(query);
        REQUIRE(expected.status == 200);
        CHECK(actual.status == 200);
        CHECK(actual.body == expected.body);
        CHECK(actual.records == expected.records);
    }
    // Under another policy the states (stamped with the old one's fingerprint) are not
    // merged: every day is rebuilt from its records, as a re-read gives it.
    auto counting_incomplete = config;
    counting_incomplete.policy.include_incomplete = true;
    ApiService folded_changed(*folded_store, counting_incomplete);
    ApiService reread_changed(*reread_store, counting_incomplete);
    const ResponseQuery everything{"demo-org", {}, {}, {}};
    auto changed = folded_changed.score(everything);
    CHECK(changed.body == reread_changed.score(everything).body);
    CHECK(changed.body != folded.score(everything).body);

    // The server's flags were folded in: they exclude records the kiosk did not flag.
    CHECK_THAT(folded.score({"demo-org", {}, {}, {}}).body,
               Catch::Contains("\"burst\": ") && Catch::Contains("\"speeder\": "));
}
