#include "cx/kiosk/opening_hours.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace cx::kiosk {

namespace {

using std::chrono::days;
using std::chrono::minutes;

// "HH:MM" from 00:00 to 24:00 as minutes, nullopt otherwise.
std::optional<int> parse_clock(std::string_view text) {
    if (text.size() != 5 || text[2] != ':') return std::nullopt;
    for (std::size_t i : {0u, 1u, 3u, 4u}) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
    }
    const int hour = (text[0] - '0') * 10 + (text[1] - '0');
    const int minute = (text[3] - '0') * 10 + (text[4] - '0');
    if (minute > 59 || hour > 24 || (hour == 24 && minute != 0)) return std::nullopt;
    return hour * 60 + minute;
}

// Monday = 0 of the day holding `t`.
int weekday_of(LocalTime t) {
    return static_cast<int>(std::chrono::weekday(std::chrono::floor<days>(t)).iso_encoding()) - 1;
}

bool open_at(const OpeningHours& hours, LocalTime t) {
    const auto day = std::chrono::floor<days>(t);
    const int minute = static_cast<int>((t - day).count());
    const auto& ranges = hours.days[static_cast<std::size_t>(weekday_of(t))];
    return std::any_of(ranges.begin(), ranges.end(), [&](const OpenRange& range) {
        return range.start <= minute && minute < range.end;
    });
}

}  // namespace

std::optional<int> day_index(std::string_view key) {
    const auto found = std::find(kDayKeys.begin(), kDayKeys.end(), key);
    if (found == kDayKeys.end()) return std::nullopt;
    return static_cast<int>(found - kDayKeys.begin());
}

Result<OpenRange> parse_open_range(std::string_view text) {
    const auto dash = text.find('-');
    const auto start =
        dash == std::string_view::npos ? std::nullopt : parse_clock(text.substr(0, dash));
    const auto end =
        dash == std::string_view::npos ? std::nullopt : parse_clock(text.substr(dash + 1));
    if (!start || !end) {
        return Error{"\"" + std::string(text) +
                     "\" is not a range \"HH:MM-HH:MM\" (00:00 to 24:00)"};
    }
    if (*end <= *start) {
        return Error{"\"" + std::string(text) + "\": the end must be after the start"};
    }
    return OpenRange{*start, *end};
}

Status check_no_overlap(const std::vector<OpenRange>& ranges) {
    auto sorted = ranges;
    std::sort(sorted.begin(), sorted.end(),
              [](const OpenRange& a, const OpenRange& b) { return a.start < b.start; });
    for (std::size_t i = 1; i < sorted.size(); ++i) {
        if (sorted[i].start < sorted[i - 1].end) {
            return Error{clock_text(sorted[i - 1].start) + "-" + clock_text(sorted[i - 1].end) +
                         " and " + clock_text(sorted[i].start) + "-" + clock_text(sorted[i].end) +
                         " overlap"};
        }
    }
    return Ok{};
}

HoursDecision decide_hours(const OpeningHours& hours, LocalTime now) {
    const bool open = open_at(hours, now);
    // Every range boundary of the next eight days, in order: the first where the
    // decision differs is the change. A boundary where one range ends as the next
    // begins (24:00 then 00:00) changes nothing and is passed over.
    const auto today = std::chrono::floor<days>(now);
    std::vector<LocalTime> boundaries;
    for (int offset = 0; offset <= 7; ++offset) {
        const LocalTime midnight = today + days(offset);
        for (const auto& range : hours.days[static_cast<std::size_t>(weekday_of(midnight))]) {
            boundaries.push_back(midnight + minutes(range.start));
            boundaries.push_back(midnight + minutes(range.end));
        }
    }
    std::sort(boundaries.begin(), boundaries.end());
    for (const auto& boundary : boundaries) {
        if (boundary > now && open_at(hours, boundary) != open) return {open, boundary};
    }
    return {open, std::nullopt};
}

LocalTime to_local(std::chrono::system_clock::time_point wall) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(wall);
    std::tm local{};
    localtime_r(&seconds, &local);
    const auto date =
        std::chrono::year_month_day{std::chrono::year{local.tm_year + 1900},
                                    std::chrono::month{static_cast<unsigned>(local.tm_mon + 1)},
                                    std::chrono::day{static_cast<unsigned>(local.tm_mday)}};
    return LocalTime{std::chrono::local_days{date}.time_since_epoch()} +
           minutes(local.tm_hour * 60 + local.tm_min);
}

std::chrono::system_clock::time_point to_system(LocalTime local) {
    const auto day = std::chrono::floor<days>(local);
    const std::chrono::year_month_day date{day};
    const int minute = static_cast<int>((local - day).count());
    std::tm tm{};
    tm.tm_year = static_cast<int>(date.year()) - 1900;
    tm.tm_mon = static_cast<int>(static_cast<unsigned>(date.month())) - 1;
    tm.tm_mday = static_cast<int>(static_cast<unsigned>(date.day()));
    tm.tm_hour = minute / 60;
    tm.tm_min = minute % 60;
    tm.tm_isdst = -1;  // let the time zone say whether DST applies then
    return std::chrono::system_clock::from_time_t(std::mktime(&tm));
}

std::string clock_text(int minute_of_day) {
    char text[8];
    std::snprintf(text, sizeof text, "%02d:%02d", minute_of_day / 60 % 100, minute_of_day % 60);
    return text;
}

}  // namespace cx::kiosk
