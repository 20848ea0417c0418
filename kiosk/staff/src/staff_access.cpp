#include "cx/kiosk/staff_access.hpp"

#include <algorithm>
#include <utility>

namespace cx {

StaffAccess::StaffAccess(StaffAccessPolicy policy, LockoutState persisted)
    : policy_(policy), lockout_(persisted) {}

bool StaffAccess::locked(std::chrono::system_clock::time_point wall_now) const {
    return wall_now < lockout_.locked_until;
}

long StaffAccess::lockout_seconds_left(std::chrono::system_clock::time_point wall_now) const {
    if (!locked(wall_now)) return 0;
    auto left = std::chrono::ceil<std::chrono::seconds>(lockout_.locked_until - wall_now);
    return static_cast<long>(left.count());
}

void StaffAccess::request_entry(StaffClock::time_point now) {
    if (mode_ != StaffMode::Closed) return;
    mode_ = StaffMode::PinPad;
    entered_.clear();
    last_failed_ = false;
    last_input_ = now;
}

void StaffAccess::press_digit(char digit, StaffClock::time_point now,
                              std::chrono::system_clock::time_point wall_now) {
    if (mode_ != StaffMode::PinPad || locked(wall_now) || digit < '0' || digit > '9') return;
    last_input_ = now;
    last_failed_ = false;
    if (entered_.size() < policy_.max_pin_digits) entered_.push_back(digit);
}

void StaffAccess::erase_digit(StaffClock::time_point now,
                              std::chrono::system_clock::time_point wall_now) {
    if (mode_ != StaffMode::PinPad || locked(wall_now)) return;
    last_input_ = now;
    if (!entered_.empty()) entered_.pop_back();
}

void StaffAccess::submit(const Verify& verify, StaffClock::time_point now,
                         std::chrono::system_clock::time_point wall_now) {
    if (mode_ != StaffMode::PinPad || locked(wall_now) || entered_.empty()) return;
    last_input_ = now;
    bool correct = verify(entered_);
    entered_.clear();
    if (correct) {
        mode_ = StaffMode::Panel;
        last_failed_ = false;
        lockout_ = {};
        lockout_changed_ = true;
        events_.push_back({"staff_login", "PIN accepted"});
        return;
    }
    last_failed_ = true;
    ++lockout_.failures;
    lockout_changed_ = true;
    events_.push_back(
        {"staff_login_failed", "wrong PIN (" + std::to_string(lockout_.failures) + " of " +
                                   std::to_string(policy_.failures_before_lockout) + ")"});
    if (lockout_.failures < policy_.failures_before_lockout) return;

    // Each lockout since the last success lasts twice as long as the one before.
    auto duration = policy_.first_lockout;
    for (int i = 0; i < lockout_.lockouts && duration < policy_.max_lockout; ++i) duration *= 2;
    duration = std::min(duration, policy_.max_lockout);
    lockout_.failures = 0;
    ++lockout_.lockouts;
    lockout_.locked_until = wall_now + duration;
    events_.push_back(
        {"staff_lockout", "locked for " + std::to_string(duration.count()) + " s after " +
                              std::to_string(policy_.failures_before_lockout) + " wrong PINs"});
}

void StaffAccess::cancel() {
    if (mode_ != StaffMode::PinPad) return;
    mode_ = StaffMode::Closed;
    entered_.clear();
}

void StaffAccess::touch(StaffClock::time_point now) {
    if (mode_ != StaffMode::Closed) last_input_ = now;
}

void StaffAccess::leave() {
    mode_ = StaffMode::Closed;
    entered_.clear();
}

std::optional<StaffClock::time_point> StaffAccess::next_deadline() const {
    switch (mode_) {
        case StaffMode::PinPad:
            return last_input_ + policy_.pad_timeout;
        case StaffMode::Panel:
            return last_input_ + policy_.panel_timeout;
        case StaffMode::Closed:
            return std::nullopt;
    }
    return std::nullopt;
}

bool StaffAccess::tick(StaffClock::time_point now) {
    auto deadline = next_deadline();
    if (!deadline || now < *deadline) return false;
    leave();
    return true;
}

std::vector<StaffEvent> StaffAccess::take_events() {
    return std::exchange(events_, {});
}

bool StaffAccess::take_lockout_changed() {
    return std::exchange(lockout_changed_, false);
}

}  // namespace cx
