#include "cx/server/failure_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace cx {

FailureLimiter::FailureLimiter(FailureLimitPolicy policy) : policy_(policy) {}

FailureLimiter::Bucket& FailureLimiter::touch(std::string_view address, Clock::time_point now) {
    std::string key(address);
    auto found = buckets_.find(key);
    if (found == buckets_.end()) {
        if (buckets_.size() >= policy_.max_addresses) {
            buckets_.erase(recent_.back());
            recent_.pop_back();
        }
        recent_.push_front(key);
        found = buckets_.emplace(std::move(key), Bucket{0, now, recent_.begin()}).first;
    } else {
        recent_.splice(recent_.begin(), recent_, found->second.recency);
    }
    auto& bucket = found->second;
    std::chrono::duration<double> elapsed = now - bucket.updated;
    bucket.level = std::max(0.0, bucket.level - elapsed.count() * policy_.drain_per_second);
    bucket.updated = now;
    return bucket;
}

std::optional<std::chrono::seconds> FailureLimiter::refusal(std::string_view address,
                                                            Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto found = buckets_.find(std::string(address));
    if (found == buckets_.end()) return std::nullopt;
    auto& bucket = touch(address, now);
    if (bucket.level < policy_.refuse_after) return std::nullopt;
    // Capped so that an address that stops is forgiven within a bounded time.
    bucket.level = std::min(bucket.level + 1, policy_.refuse_after * 2);
    double wait = (bucket.level - policy_.refuse_after + 1) / policy_.drain_per_second;
    return std::chrono::seconds(static_cast<long>(std::ceil(wait)));
}

std::chrono::milliseconds FailureLimiter::record_failure(std::string_view address,
                                                         Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto& bucket = touch(address, now);
    bucket.level = std::min(bucket.level + 1, policy_.refuse_after * 2);
    double over = bucket.level - policy_.slow_after;
    if (over <= 0) return std::chrono::milliseconds{0};
    auto delay = policy_.delay_per_failure * static_cast<long>(std::ceil(over));
    return std::min(delay, policy_.max_delay);
}

std::size_t FailureLimiter::tracked_addresses() const {
    std::lock_guard lock(mutex_);
    return buckets_.size();
}

}  // namespace cx
