// The watchdog's timing (cx/kiosk/watchdog.hpp): when the frame loop owes
// systemd its next ping, and how that joins the loop's other wake-ups.
#include <catch2/catch.hpp>

#include "cx/kiosk/watchdog.hpp"

using namespace cx::kiosk;
using namespace std::chrono_literals;

TEST_CASE("a watchdog ping is due half a WATCHDOG_USEC after the last one", "[watchdog]") {
    const SteadyTime last{10s};
    CHECK(next_watchdog_ping(last, Micros(30'000'000)) == last + 15s);
    // Odd microsecond counts are not rounded up past the half.
    CHECK(next_watchdog_ping(last, Micros(3)) == last + 1us);
    CHECK(next_watchdog_ping(last, Micros(1)) == last);
}

TEST_CASE("earliest of two wake-ups: none means sleep until input", "[watchdog]") {
    const SteadyTime a{1s};
    const SteadyTime b{2s};
    CHECK(earliest(a, b) == a);
    CHECK(earliest(b, a) == a);
    CHECK(earliest(std::nullopt, b) == b);
    CHECK(earliest(a, std::nullopt) == a);
    CHECK_FALSE(earliest(std::nullopt, std::nullopt).has_value());
}

TEST_CASE("the closed screen's only timers: the opening time or a watchdog ping", "[watchdog]") {
    // A kiosk closed until tomorrow under a 30 s WatchdogSec wakes every 15 s, not later.
    const SteadyTime pinged{100s};
    const SteadyTime opens = pinged + 20h;
    CHECK(earliest(opens, next_watchdog_ping(pinged, Micros(30s))) == pinged + 15s);
}
