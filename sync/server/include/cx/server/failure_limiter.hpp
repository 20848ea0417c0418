#pragma once
// A per-address brake on failed attempts to prove who one is: bad tokens now,
// bad enrolment codes and failed sign-ins later (one limiter per kind, each
// with its policy). Each failure adds one to the address's bucket, which
// drains at a fixed rate. Above `slow_after` the failure's reply is held back;
// at `refuse_after` the address is refused (429 with Retry-After) before
// anything is looked up, until its bucket drains. Memory is bounded: at most
// `max_addresses` buckets are kept, the least recently failing forgotten first.
#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cx {

struct FailureLimitPolicy {
    double slow_after = 10;       // failures in the bucket before replies are held back
    double refuse_after = 30;     // failures in the bucket that refuse the address
    double drain_per_second = 1;  // how fast an address is forgiven
    std::chrono::milliseconds delay_per_failure{100};  // hold-back per failure over slow_after
    std::chrono::milliseconds max_delay{1000};
    std::size_t max_addresses = 4096;
};

class FailureLimiter {
  public:
    using Clock = std::chrono::steady_clock;
    explicit FailureLimiter(FailureLimitPolicy policy = {});

    // Before an attempt: how long the address must wait (Retry-After), or
    // nullopt when it may try. A refused attempt counts as a failure, so an
    // address that keeps hammering stays refused.
    std::optional<std::chrono::seconds> refusal(std::string_view address, Clock::time_point now);
    // After a failed attempt: how long to hold back its reply.
    std::chrono::milliseconds record_failure(std::string_view address, Clock::time_point now);
    std::size_t tracked_addresses() const;

  private:
    struct Bucket {
        double level = 0;
        Clock::time_point updated;
        std::list<std::string>::iterator recency;  // position in recent_
    };
    // The address's bucket drained to `now` (created when absent), most recent first.
    Bucket& touch(std::string_view address, Clock::time_point now);

    FailureLimitPolicy policy_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
    std::list<std::string> recent_;  // most recent first
};

}  // namespace cx
