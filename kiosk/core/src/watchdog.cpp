#include "cx/kiosk/watchdog.hpp"

#include <algorithm>

namespace cx::kiosk {

SteadyTime next_watchdog_ping(SteadyTime last_ping, Micros watchdog_timeout) {
    return last_ping + std::chrono::duration_cast<SteadyTime::duration>(watchdog_timeout / 2);
}

std::optional<SteadyTime> earliest(std::optional<SteadyTime> a, std::optional<SteadyTime> b) {
    if (!a) return b;
    if (!b) return a;
    return std::min(*a, *b);
}

}  // namespace cx::kiosk
