#pragma once
// When the kiosk's frame loop owes systemd its next watchdog ping: pure, so the
// loop's wake-ups are unit-tested; the platform layer sends the pings.
#include <chrono>
#include <optional>

#include "cx/kiosk/survey.hpp"

namespace cx::kiosk {

using Micros = std::chrono::microseconds;

// sd_watchdog_enabled(3) asks for a ping at least every half of WATCHDOG_USEC:
// a loop that wakes a little late is still in time.
SteadyTime next_watchdog_ping(SteadyTime last_ping, Micros watchdog_timeout);

// The earlier of two optional wake-up times (none: sleep until input).
std::optional<SteadyTime> earliest(std::optional<SteadyTime> a, std::optional<SteadyTime> b);

}  // namespace cx::kiosk
