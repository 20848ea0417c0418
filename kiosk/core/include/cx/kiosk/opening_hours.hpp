#pragma once
// Opening hours per weekday in the kiosk's local time, and the decision "open
// now, and when does that change" as a pure function of a local time: the UI
// reads the clock and converts, this file never does.
#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cx/scoring/result.hpp"

namespace cx::kiosk {

// Minutes since local midnight: [start, end), end up to 24:00 (1440).
struct OpenRange {
    int start = 0;
    int end = 0;
};

// Index 0 is Monday. A day without ranges is closed all day.
struct OpeningHours {
    std::array<std::vector<OpenRange>, 7> days;
};

// "mon" … "sun", the settings file's day keys (index 0 is Monday).
inline constexpr std::array<std::string_view, 7> kDayKeys{"mon", "tue", "wed", "thu",
                                                          "fri", "sat", "sun"};
// Index of a day key, nullopt for anything else.
std::optional<int> day_index(std::string_view key);

// "HH:MM-HH:MM", 00:00 to 24:00; end after start.
Result<OpenRange> parse_open_range(std::string_view text);
// The day's ranges must not overlap (touching is fine: 12:00-13:00, 13:00-14:00).
Status check_no_overlap(const std::vector<OpenRange>& ranges);

using LocalTime = std::chrono::local_time<std::chrono::minutes>;

struct HoursDecision {
    bool open = true;
    // The next local time the decision flips; nullopt when it never does (open
    // around the clock, or closed every day).
    std::optional<LocalTime> next_change;
};

// Open or closed at `now`, and until when. Looks a week ahead (the hours repeat weekly).
HoursDecision decide_hours(const OpeningHours& hours, LocalTime now);

// Local wall time <-> the system clock in the system time zone (TZ). A local
// time skipped by a DST change maps to the moment after the gap, a repeated one
// to one of its two moments: either way the caller decides again once there.
LocalTime to_local(std::chrono::system_clock::time_point wall);
std::chrono::system_clock::time_point to_system(LocalTime local);

// "08:30" for a minute of the day.
std::string clock_text(int minute_of_day);

}  // namespace cx::kiosk
