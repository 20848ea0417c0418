// The retry decision: capped exponential backoff with jitter; refusals stop.
#include <catch2/catch.hpp>

#include "cx/sync/retry_policy.hpp"

using namespace cx;
using std::chrono::milliseconds;

TEST_CASE("HTTP statuses map to outcomes") {
    CHECK(classify_http_status(200) == AttemptOutcome::Accepted);
    CHECK(classify_http_status(0) == AttemptOutcome::Transient);
    CHECK(classify_http_status(500) == AttemptOutcome::Transient);
    CHECK(classify_http_status(503) == AttemptOutcome::Transient);
    CHECK(classify_http_status(408) == AttemptOutcome::Throttled);
    CHECK(classify_http_status(429) == AttemptOutcome::Throttled);
    for (int status : {400, 401, 403, 409, 413, 422})
        CHECK(classify_http_status(status) == AttemptOutcome::Refused);
}

TEST_CASE("accepted continues, refused stops and reports") {
    RetryPolicy policy;
    CHECK(decide(policy, 1, AttemptOutcome::Accepted, 0.5) == Decision{RetryAction::Continue, {}});
    CHECK(decide(policy, 1, AttemptOutcome::Refused, 0.5) ==
          Decision{RetryAction::StopAndReport, {}});
    CHECK(decide(policy, 4, AttemptOutcome::Refused, 0.5).action == RetryAction::StopAndReport);
}

TEST_CASE("without jitter the delay doubles up to the cap") {
    RetryPolicy policy{milliseconds{1000}, 2.0, milliseconds{5000}, 0.0, 10};
    std::vector<long long> delays;
    for (int attempt = 1; attempt <= 5; ++attempt) {
        auto decision = decide(policy, attempt, AttemptOutcome::Transient, 0.9);
        REQUIRE(decision.action == RetryAction::RetryAfter);
        delays.push_back(decision.delay.count());
    }
    CHECK(delays == std::vector<long long>{1000, 2000, 4000, 5000, 5000});
    CHECK(decide(policy, 2, AttemptOutcome::Throttled, 0.0).delay == milliseconds{2000});
}

TEST_CASE("jitter spreads the delay by ± the fraction and never passes the cap") {
    RetryPolicy policy{milliseconds{1000}, 2.0, milliseconds{3000}, 0.5, 10};
    CHECK(decide(policy, 1, AttemptOutcome::Transient, 0.0).delay == milliseconds{500});
    CHECK(decide(policy, 1, AttemptOutcome::Transient, 0.5).delay == milliseconds{1000});
    CHECK(decide(policy, 1, AttemptOutcome::Transient, 0.999).delay <= milliseconds{1500});
    CHECK(decide(policy, 3, AttemptOutcome::Transient, 0.999).delay == milliseconds{3000});
    CHECK(decide(policy, 3, AttemptOutcome::Transient, 0.0).delay == milliseconds{1500});
}

TEST_CASE("after max_attempts the worker gives up until the next interval") {
    RetryPolicy policy;
    policy.max_attempts = 3;
    CHECK(decide(policy, 2, AttemptOutcome::Transient, 0.5).action == RetryAction::RetryAfter);
    CHECK(decide(policy, 3, AttemptOutcome::Transient, 0.5) ==
          Decision{RetryAction::GiveUpUntilNextInterval, {}});
    CHECK(decide(policy, 3, AttemptOutcome::Throttled, 0.5).action ==
          RetryAction::GiveUpUntilNextInterval);
}
