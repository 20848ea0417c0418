// Opening hours: the settings' "HH:MM-HH:MM" ranges, the open/closed decision and
// its next change at midnight and week edges, local time across DST changes, and
// the closed screen's "opens again" line.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <string>

#include "cx/kiosk/kiosk_config.hpp"
#include "cx/kiosk/opening_hours.hpp"
#include "cx/kiosk/ui_text.hpp"

using namespace cx;
using namespace cx::kiosk;
using namespace std::chrono;

namespace {

// Local time on a date: 2026-11-30 is a Monday.
LocalTime at(int y, unsigned m, unsigned d, int hour, int minute) {
    return LocalTime{local_days{year{y} / month{m} / day{d}}.time_since_epoch()} + hours(hour) +
           minutes(minute);
}

OpeningHours weekdays_9_to_17() {
    OpeningHours hours;
    for (int day = 0; day < 5; ++day)
        hours.days[static_cast<std::size_t>(day)] = {{9 * 60, 17 * 60}};
    return hours;
}

// Sets TZ for the scope (a POSIX rule, so no zoneinfo file is needed) and restores it.
struct TimeZone {
    explicit TimeZone(const char* zone) {
        if (const char* old = std::getenv("TZ")) previous = old;
        had_previous = std::getenv("TZ") != nullptr;
        setenv("TZ", zone, 1);
        tzset();
    }
    ~TimeZone() {
        if (had_previous) {
            setenv("TZ", previous.c_str(), 1);
        } else {
            unsetenv("TZ");
        }
        tzset();
    }
    std::string previous;
    bool had_previous = false;
};

}  // namespace

TEST_CASE("opening hours ranges parse as HH:MM-HH:MM up to 24:00") {
    auto morning = parse_open_range("08:30-12:00");
    REQUIRE(morning.ok());
    CHECK(morning.value().start == 8 * 60 + 30);
    CHECK(morning.value().end == 12 * 60);
    auto to_midnight = parse_open_range("18:00-24:00");
    REQUIRE(to_midnight.ok());
    CHECK(to_midnight.value().end == 24 * 60);
    for (const char* bad : {"8:30-12:00", "08:30", "08:30-24:01", "25:00-26:00", "08:60-09:00",
                            "08:30–12:00", "", "08:30-12:00 "}) {
        INFO(bad);
        auto parsed = parse_open_range(bad);
        REQUIRE_FALSE(parsed.ok());
        CHECK_THAT(parsed.error().message, Catch::Contains("HH:MM-HH:MM"));
    }
    for (const char* backwards : {"12:00-08:30", "09:00-09:00"}) {
        auto parsed = parse_open_range(backwards);
        REQUIRE_FALSE(parsed.ok());
        CHECK_THAT(parsed.error().message, Catch::Contains("end must be after the start"));
    }
}

TEST_CASE("opening_hours in the kiosk settings: errors name the line") {
    auto good = parse_kiosk_config(R"({
  "opening_hours": {
    "mon": ["13:00-17:30", "08:30-12:00"],
    "sat": ["10:00-14:00"],
    "sun": []
  }
})",
                                   ".");
    REQUIRE(good.ok());
    REQUIRE(good.value().opening_hours);
    const auto& days = good.value().opening_hours->days;
    REQUIRE(days[0].size() == 2);
    CHECK(days[0][0].start == 8 * 60 + 30);  // sorted
    CHECK(days[1].empty());                  // missing: closed all day
    CHECK(days[6].empty());

    CHECK_FALSE(parse_kiosk_config("{}", ".").value().opening_hours);  // always open

    struct Bad {
        const char* json;
        long line;
        const char* says;
    };
    for (const auto& bad : {
             Bad{"{\n\"opening_hours\": {\n\"mon\": [\"08:00-12:00\",\n\"8-12\"]}}", 4, "mon"},
             Bad{"{\n\"opening_hours\": {\n\"tue\": [\"08:00-12:00\", \"11:00-13:00\"]}}", 3,
                 "overlap"},
             Bad{"{\n\"opening_hours\": {\n\"tue\": [],\n\"monday\": []}}", 4, "unknown day"},
             Bad{"{\n\"opening_hours\": {\n\"wed\": [\"17:00-09:00\"]}}", 3, "end must be after"},
             Bad{"{\n\"opening_hours\": {\n\"thu\": \"09:00-17:00\"}}", 3, "expected a list"},
             Bad{"{\n\"device\": \"k\",\n\"opening_hours\": [\"09:00-17:00\"]}", 3, "mon"},
         }) {
        INFO(bad.json);
        auto parsed = parse_kiosk_config(bad.json, ".");
        REQUIRE_FALSE(parsed.ok());
        CHECK(parsed.error().line == bad.line);
        CHECK_THAT(parsed.error().message, Catch::Contains("opening_hours"));
        CHECK_THAT(parsed.error().message, Catch::Contains(bad.says));
    }
}

TEST_CASE("open or closed now, and the next change") {
    const auto hours = weekdays_9_to_17();
    auto monday_8 = decide_hours(hours, at(2026, 11, 30, 8, 59));
    CHECK_FALSE(monday_8.open);
    CHECK(monday_8.next_change == at(2026, 11, 30, 9, 0));
    auto monday_9 = decide_hours(hours, at(2026, 11, 30, 9, 0));
    CHECK(monday_9.open);
    CHECK(monday_9.next_change == at(2026, 11, 30, 17, 0));
    auto monday_17 = decide_hours(hours, at(2026, 11, 30, 17, 0));  // the end is not open
    CHECK_FALSE(monday_17.open);
    CHECK(monday_17.next_change == at(2026, 12, 1, 9, 0));
    // Friday evening: closed all weekend (Saturday and Sunday missing), opens Monday.
    auto friday = decide_hours(hours, at(2026, 12, 4, 18, 0));
    CHECK_FALSE(friday.open);
    CHECK(friday.next_change == at(2026, 12, 7, 9, 0));
    auto sunday = decide_hours(hours, at(2026, 12, 6, 23, 59));
    CHECK(sunday.next_change == at(2026, 12, 7, 9, 0));
}

TEST_CASE("a range to 24:00 runs on into the next day's range from 00:00") {
    OpeningHours hours;
    hours.days[4] = {{18 * 60, 24 * 60}};  // Friday evening …
    hours.days[5] = {{0, 2 * 60}};         // … to 02:00 on Saturday
    auto friday = decide_hours(hours, at(2026, 12, 4, 23, 30));
    CHECK(friday.open);
    CHECK(friday.next_change == at(2026, 12, 5, 2, 0));  // midnight is no change
    auto saturday = decide_hours(hours, at(2026, 12, 5, 0, 0));
    CHECK(saturday.open);
    // A range to 24:00 with nothing after it closes at midnight.
    hours.days[5].clear();
    auto alone = decide_hours(hours, at(2026, 12, 4, 23, 59));
    CHECK(alone.open);
    CHECK(alone.next_change == at(2026, 12, 5, 0, 0));
    CHECK_FALSE(decide_hours(hours, at(2026, 12, 5, 0, 0)).open);
}

TEST_CASE("always open or never open: no next change") {
    OpeningHours around_the_clock;
    for (auto& day : around_the_clock.days) day = {{0, 24 * 60}};
    auto open = decide_hours(around_the_clock, at(2026, 11, 30, 12, 0));
    CHECK(open.open);
    CHECK_FALSE(open.next_change);
    auto never = decide_hours(OpeningHours{}, at(2026, 11, 30, 12, 0));
    CHECK_FALSE(never.open);
    CHECK_FALSE(never.next_change);
}

TEST_CASE("local time and the system clock across DST changes") {
    const TimeZone berlin("CET-1CEST,M3.5.0,M10.5.0/3");
    // 2026-03-29 02:00 CET jumps to 03:00 CEST: 02:30 does not exist and maps past the gap.
    const auto spring_gap = to_system(at(2026, 3, 29, 2, 30));
    CHECK(to_local(spring_gap) >= at(2026, 3, 29, 3, 0));
    const auto opening = to_system(at(2026, 3, 29, 9, 0));
    CHECK(system_clock::to_time_t(opening) == 1774767600);  // 07:00 UTC (CEST)
    CHECK(to_local(opening) == at(2026, 3, 29, 9, 0));
    // The night is an hour shorter: 23:00 Saturday to 09:00 Sunday is 9 hours, not 10.
    CHECK(to_system(at(2026, 3, 29, 9, 0)) - to_system(at(2026, 3, 28, 23, 0)) == hours(9));
    // Autumn: 2026-10-25 03:00 CEST goes back to 02:00 CET; the night is 11 hours.
    CHECK(to_system(at(2026, 10, 25, 9, 0)) - to_system(at(2026, 10, 24, 23, 0)) == hours(11));
    CHECK(to_local(to_system(at(2026, 10, 25, 9, 0))) == at(2026, 10, 25, 9, 0));
}

TEST_CASE("the closed screen says when the kiosk opens again") {
    const UiText text;
    const auto now = at(2026, 11, 30, 20, 0);  // Monday evening
    auto tomorrow = opens_again(text, now, at(2026, 12, 1, 8, 30));
    CHECK(tomorrow.zh == "明天 08:30 开放");
    CHECK(tomorrow.en == "Opens tomorrow 08:30");
    auto today = opens_again(text, at(2026, 11, 30, 7, 0), at(2026, 11, 30, 8, 30));
    CHECK(today.en == "Opens today 08:30");
    auto saturday = opens_again(text, now, at(2026, 12, 5, 10, 0));
    CHECK(saturday.zh == "周六 10:00 开放");
    CHECK(saturday.en == "Opens Saturday 10:00");
    CHECK(opens_again(text, now, std::nullopt).zh.empty());
}
