#pragma once
// The staff panel's enrol screen as plain state: staff type the one-time code
// on the numeric pad, the kiosk trades it in the background (KioskApp runs
// enrol_kiosk on a thread of its own), and the screen shows what came of it.
// step() is the whole rule book, testable without a window.
#include <optional>
#include <string>
#include <variant>

#include "cx/kiosk/enrolment.hpp"
#include "cx/scoring/result.hpp"

namespace cx::kiosk {

struct EnrolPad {
    enum class Phase { Entering, Working, Enrolled, Failed };
    Phase phase = Phase::Entering;
    std::string digits;     // typed so far, at most kEnrolmentCodeDigits
    std::string failure;    // Failed: why (the server's "code: detail", or the kiosk's)
    EnrolledDevice device;  // Enrolled: what the kiosk now is
};

namespace enrol_event {
struct Digit {
    char digit;
};
struct Erase {};
struct Submit {};
// The background exchange ended.
struct Finished {
    Result<EnrolledDevice> outcome;
};
}  // namespace enrol_event
using EnrolEvent = std::variant<enrol_event::Digit, enrol_event::Erase, enrol_event::Submit,
                                enrol_event::Finished>;

// Applies `event`; returns the code to trade when a complete one was submitted
// (the pad is then Working until Finished). Typing after a failure starts over.
std::optional<std::string> step(EnrolPad& pad, EnrolEvent event);

}  // namespace cx::kiosk
