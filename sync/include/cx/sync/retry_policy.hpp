#pragma once
// When to try an upload again: the policy is data, and one plain function
// decides (the way ODK Collect separates its retry schedule from its sender).
#include <chrono>
#include <string_view>

namespace cx {

struct RetryPolicy {
    std::chrono::milliseconds base{2000};   // delay after the first failure
    double multiplier = 2.0;                // growth per further failure
    std::chrono::milliseconds cap{300000};  // never wait longer than this
    double jitter = 0.5;                    // ± fraction of the delay, spreads kiosks apart
    int max_attempts = 5;                   // per sync interval; then wait for the next one
};

// What one upload attempt came to, as far as retrying is concerned.
enum class AttemptOutcome {
    Accepted,   // 200: each record stored, a duplicate, or refused on its own (protocol v2)
    Transient,  // no reply, timeout, TLS/connect failure, 5xx: the server may do better later
    Throttled,  // 408 or 429: the server asked us to come back
    Refused,    // any other 4xx: sending the same batch again cannot help
};
std::string_view to_string(AttemptOutcome outcome);
AttemptOutcome classify_http_status(int status);  // 0 = no HTTP reply

enum class RetryAction {
    Continue,                 // go on with the next batch now
    RetryAfter,               // wait Decision::delay, then re-send the same batch
    GiveUpUntilNextInterval,  // tries used up: the periodic timer tries again
    StopAndReport,            // show the server's detail to staff; no blind re-send
};
std::string_view to_string(RetryAction action);

struct Decision {
    RetryAction action = RetryAction::Continue;
    std::chrono::milliseconds delay{0};
    bool operator==(const Decision&) const = default;
};

// `attempt` counts the tries of the current batch, 1 for the first. `random_unit`
// is uniform in [0, 1) (the caller owns the randomness so this stays pure).
Decision decide(const RetryPolicy& policy, int attempt, AttemptOutcome outcome, double random_unit);

}  // namespace cx
