// The rules of GET …/devices as plain functions: when a device is ok, silent or needs
// attention, and the durations `cxserver serve --silent-after` takes.
#include <catch2/catch.hpp>

#include "cx/scoring/response.hpp"
#include "cx/server/duration_text.hpp"
#include "cx/server/fleet_report.hpp"

using namespace cx;
using namespace std::chrono_literals;

namespace {

const auto kNow = std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + 12h;

DeviceHeartbeat received(std::chrono::seconds ago,
                         Heartbeat heartbeat = {"0.1.0", 1, 0, 0, std::nullopt, 1LL << 40, 0}) {
    return {"o", "hq", "k1", format_utc_timestamp(kNow - ago), std::move(heartbeat)};
}

}  // namespace

TEST_CASE("a device is silent without a recent heartbeat, else attention for each reason") {
    FleetRules rules;
    rules.silent_after = 30min;
    rules.low_disk_bytes = 1000;
    CHECK(judge_device(std::nullopt, rules, kNow).status == DeviceStatus::Silent);
    CHECK(judge_device(received(30min), rules, kNow).status == DeviceStatus::Ok);
    CHECK(judge_device(received(30min + 1s), rules, kNow).status == DeviceStatus::Silent);

    Heartbeat troubled{"0.1.0", 1, 0, 1, std::nullopt, 999, 120'001};
    auto verdict = judge_device(received(1min, troubled), rules, kNow);
    CHECK(verdict.status == DeviceStatus::Attention);
    CHECK(verdict.reasons == std::vector<std::string>{"refused", "low_disk", "clock"});
    // The reasons of what it said last stay shown when it falls silent.
    auto silent = judge_device(received(2h, troubled), rules, kNow);
    CHECK(silent.status == DeviceStatus::Silent);
    CHECK(silent.reasons.size() == 3);

    Heartbeat borderline{"0.1.0", 1, 0, 0, std::nullopt, 1000, -120'000};
    CHECK(judge_device(received(1min, borderline), rules, kNow).status == DeviceStatus::Ok);
    borderline.clock_offset_ms = std::nullopt;  // not yet measured: no verdict on the clock
    CHECK(judge_device(received(1min, borderline), rules, kNow).status == DeviceStatus::Ok);
    CHECK(to_string(DeviceStatus::Attention) == "attention");
}

TEST_CASE("cxserver serve --silent-after takes 90s, 30m, 2h, 1d") {
    CHECK(parse_duration("90s").value() == 90s);
    CHECK(parse_duration("30m").value() == 30min);
    CHECK(parse_duration("2h").value() == 2h);
    CHECK(parse_duration("1d").value() == 24h);
    for (auto bad : {"", "m", "30", "0m", "-5m", "1.5h", "30 m", "3w", "367d"}) {
        INFO(bad);
        auto parsed = parse_duration(bad);
        REQUIRE_FALSE(parsed.ok());
        CHECK_THAT(parsed.error().message, Catch::Contains("like 90s, 30m, 2h or 1d"));
    }
}
