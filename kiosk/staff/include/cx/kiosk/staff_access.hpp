#pragma once
// Who may open staff mode, and when it closes again: the PIN pad, lockout
// after repeated wrong PINs (doubling on repeat), and the inactivity timeouts.
// Plain state plus time passed in, so every rule is testable without a window.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cx {

using StaffClock = std::chrono::steady_clock;

struct StaffAccessPolicy {
    int failures_before_lockout = 5;
    std::chrono::seconds first_lockout{60};
    std::chrono::seconds max_lockout{std::chrono::hours{24}};
    std::chrono::seconds pad_timeout{20};     // pad closes without input
    std::chrono::seconds panel_timeout{120};  // staff mode ends without a touch
    std::size_t max_pin_digits = 12;
};

// What survives a restart, so power-cycling the kiosk does not reset a lockout.
struct LockoutState {
    int failures = 0;  // wrong PINs since the last success or lockout
    int lockouts = 0;  // lockouts since the last success; each doubles the next
    std::chrono::system_clock::time_point locked_until{};  // wall clock: survives restarts
    bool operator==(const LockoutState&) const = default;
};

enum class StaffMode { Closed, PinPad, Panel };

// Facts for the audit log, produced as they happen.
struct StaffEvent {
    std::string name;    // staff_login, staff_login_failed, staff_lockout
    std::string detail;  // human-readable, never the PIN
};

class StaffAccess {
  public:
    using Verify = std::function<bool(std::string_view pin)>;

    StaffAccess(StaffAccessPolicy policy, LockoutState persisted);

    StaffMode mode() const { return mode_; }
    const std::string& entered() const { return entered_; }
    const LockoutState& lockout() const { return lockout_; }
    // Seconds left in a lockout (0 when not locked), for the pad to show.
    long lockout_seconds_left(std::chrono::system_clock::time_point wall_now) const;
    // True after a wrong PIN until the next key, so the pad can say so.
    bool last_attempt_failed() const { return last_failed_; }

    // F10 or the corner long-press: opens the pad; does nothing while it is open or in the panel.
    void request_entry(StaffClock::time_point now);
    void press_digit(char digit, StaffClock::time_point now,
                     std::chrono::system_clock::time_point wall_now);
    void erase_digit(StaffClock::time_point now, std::chrono::system_clock::time_point wall_now);
    // Return on the pad. `verify` checks the PIN against the stored hash.
    void submit(const Verify& verify, StaffClock::time_point now,
                std::chrono::system_clock::time_point wall_now);
    void cancel();
    // Any touch or key while the panel is open keeps it open.
    void touch(StaffClock::time_point now);
    void leave();
    // Applies the timeouts; returns true when the mode changed.
    bool tick(StaffClock::time_point now);
    // When tick() next has something to do, so the frame loop can sleep until then.
    std::optional<StaffClock::time_point> next_deadline() const;

    // Events since the last call (for the audit log) and whether the persisted state changed.
    std::vector<StaffEvent> take_events();
    bool take_lockout_changed();

  private:
    bool locked(std::chrono::system_clock::time_point wall_now) const;

    StaffAccessPolicy policy_;
    LockoutState lockout_;
    StaffMode mode_ = StaffMode::Closed;
    std::string entered_;
    bool last_failed_ = false;
    StaffClock::time_point last_input_{};
    std::vector<StaffEvent> events_;
    bool lockout_changed_ = false;
};

}  // namespace cx
