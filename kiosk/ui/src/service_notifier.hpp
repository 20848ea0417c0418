#pragma once
// The kiosk's side of systemd's notify protocol (sd_notify(3)): READY=1 once
// the first frame is on screen, and WATCHDOG=1 from the frame loop, so a loop
// that hangs stops the pings and systemd restarts the kiosk session
// (deploy/systemd/cxkiosk-session.service). Without NOTIFY_SOCKET, or without
// a WATCHDOG_USEC meant for this process, it sends nothing and asks for no
// wake-up: a kiosk started by hand behaves as before.
#include <optional>

#include "cx/kiosk/watchdog.hpp"

namespace cx::kiosk {

class ServiceNotifier {
  public:
    // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (sd_watchdog_enabled).
    static ServiceNotifier from_environment();

    // After each frame: READY=1 after the first, WATCHDOG=1 whenever one is due.
    void frame_drawn(SteadyTime now);
    // When the loop must wake to ping even without input; none without a watchdog.
    std::optional<SteadyTime> next_ping() const;

  private:
    explicit ServiceNotifier(std::optional<Micros> watchdog_timeout);

    std::optional<Micros> watchdog_timeout_;
    bool ready_sent_ = false;
    std::optional<SteadyTime> last_ping_;
};

}  // namespace cx::kiosk
