#include "cx/sync/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace cx {

std::string_view to_string(AttemptOutcome outcome) {
    switch (outcome) {
        case AttemptOutcome::Accepted:
            return "accepted";
        case AttemptOutcome::Transient:
            return "transient";
        case AttemptOutcome::Throttled:
            return "throttled";
        case AttemptOutcome::Refused:
            return "refused";
    }
    return "transient";
}

std::string_view to_string(RetryAction action) {
    switch (action) {
        case RetryAction::Continue:
            return "continue";
        case RetryAction::RetryAfter:
            return "retry_after";
        case RetryAction::GiveUpUntilNextInterval:
            return "give_up_until_next_interval";
        case RetryAction::StopAndReport:
            return "stop_and_report";
    }
    return "stop_and_report";
}

AttemptOutcome classify_http_status(int status) {
    if (status == 200) return AttemptOutcome::Accepted;
    if (status == 408 || status == 429) return AttemptOutcome::Throttled;
    if (status >= 400 && status < 500) return AttemptOutcome::Refused;
    return AttemptOutcome::Transient;  // no reply, 5xx, or a reply we did not expect
}

Decision decide(const RetryPolicy& policy, int attempt, AttemptOutcome outcome,
                double random_unit) {
    switch (outcome) {
        case AttemptOutcome::Accepted:
            return {RetryAction::Continue, {}};
        case AttemptOutcome::Refused:
            return {RetryAction::StopAndReport, {}};
        case AttemptOutcome::Transient:
        case AttemptOutcome::Throttled:
            break;
    }
    if (attempt >= policy.max_attempts) return {RetryAction::GiveUpUntilNextInterval, {}};
    double exponential = static_cast<double>(policy.base.count()) *
                         std::pow(policy.multiplier, std::max(0, attempt - 1));
    double capped = std::min(exponential, static_cast<double>(policy.cap.count()));
    double spread = 1.0 + policy.jitter * (2.0 * std::clamp(random_unit, 0.0, 1.0) - 1.0);
    double jittered = std::min(capped * spread, static_cast<double>(policy.cap.count()));
    auto delay = static_cast<long long>(std::llround(std::max(0.0, jittered)));
    return {RetryAction::RetryAfter, std::chrono::milliseconds{delay}};
}

}  // namespace cx
