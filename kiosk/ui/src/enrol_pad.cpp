#include "enrol_pad.hpp"

#include "cx/sync/enrolment.hpp"

namespace cx::kiosk {

std::optional<std::string> step(EnrolPad& pad, EnrolEvent event) {
    using Phase = EnrolPad::Phase;
    if (auto* finished = std::get_if<enrol_event::Finished>(&event)) {
        if (pad.phase != Phase::Working) return std::nullopt;
        if (finished->outcome) {
            pad.phase = Phase::Enrolled;
            pad.device = std::move(finished->outcome).value();
        } else {
            pad.phase = Phase::Failed;
            pad.failure = finished->outcome.error().message;
        }
        return std::nullopt;
    }
    // While the code is on its way, and once enrolled, the pad takes no keys.
    if (pad.phase == Phase::Working || pad.phase == Phase::Enrolled) return std::nullopt;
    if (pad.phase == Phase::Failed) {
        pad.phase = Phase::Entering;
        pad.failure.clear();
        pad.digits.clear();
    }
    if (auto* digit = std::get_if<enrol_event::Digit>(&event)) {
        if (pad.digits.size() < kEnrolmentCodeDigits) pad.digits.push_back(digit->digit);
    } else if (std::holds_alternative<enrol_event::Erase>(event)) {
        if (!pad.digits.empty()) pad.digits.pop_back();
    } else if (pad.digits.size() == kEnrolmentCodeDigits) {  // Submit
        pad.phase = Phase::Working;
        return pad.digits;
    }
    return std::nullopt;
}

}  // namespace cx::kiosk
