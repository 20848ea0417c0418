#include "service_notifier.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace cx::kiosk {

ServiceNotifier ServiceNotifier::from_environment() {
    std::uint64_t usec = 0;
    const int enabled = sd_watchdog_enabled(0, &usec);
    if (enabled < 0)
        std::fprintf(stderr, "cxkiosk: watchdog off: WATCHDOG_USEC/WATCHDOG_PID unreadable: %s\n",
                     std::strerror(-enabled));
    if (enabled <= 0) return ServiceNotifier(std::nullopt);
    return ServiceNotifier(Micros(static_cast<Micros::rep>(usec)));
}

ServiceNotifier::ServiceNotifier(std::optional<Micros> watchdog_timeout)
    : watchdog_timeout_(watchdog_timeout) {}

// sd_notify is a no-op without NOTIFY_SOCKET; a send that fails is not worth
// stopping the kiosk for (systemd then restarts it, which is the point).
void ServiceNotifier::frame_drawn(SteadyTime now) {
    if (!ready_sent_) {
        sd_notify(0, "READY=1");
        ready_sent_ = true;
    }
    if (!watchdog_timeout_) return;
    if (last_ping_ && now < next_watchdog_ping(*last_ping_, *watchdog_timeout_)) return;
    sd_notify(0, "WATCHDOG=1");
    last_ping_ = now;
}

std::optional<SteadyTime> ServiceNotifier::next_ping() const {
    if (!watchdog_timeout_ || !last_ping_) return std::nullopt;
    return next_watchdog_ping(*last_ping_, *watchdog_timeout_);
}

}  // namespace cx::kiosk
