#pragma once
// One-time enrolment codes (sync/PROTOCOL.md "Enrolment"): `cxserver enrol-code`
// issues one for a device; the kiosk trades it, with its public key, for the
// device's token. The store keeps only the code's hash, like a token's.
#include <chrono>
#include <string>
#include <string_view>
#include <variant>

#include "cx/server/failure_limiter.hpp"
#include "cx/server/server_store.hpp"
#include "cx/server/tokens.hpp"

namespace cx {

inline constexpr std::chrono::seconds kDefaultEnrolmentTtl = std::chrono::hours{24};
inline constexpr std::chrono::seconds kMinEnrolmentTtl = std::chrono::minutes{1};
// The rate limit's arithmetic in PROTOCOL.md assumes a code lives at most this long.
inline constexpr std::chrono::seconds kMaxEnrolmentTtl = std::chrono::days{7};

// Wrong codes per address (IPv6: its /64): after 10 failures it is refused until
// its bucket drains, one failure a minute. PROTOCOL.md "Enrolment" does the sums.
inline constexpr FailureLimitPolicy kBadEnrolmentPolicy{
    5, 10, 1.0 / 60, std::chrono::milliseconds{100}, std::chrono::milliseconds{500}, 4096};

// "90s", "30m", "24h", "7d" → seconds, within [kMinEnrolmentTtl, kMaxEnrolmentTtl].
Result<std::chrono::seconds> parse_enrolment_ttl(std::string_view text);

struct IssuedEnrolmentCode {
    std::string code;        // kEnrolmentCodeDigits digits; shown once, never stored
    std::string expires_at;  // canonical UTC
};

class EnrolmentService {
  public:
    using Clock = std::chrono::system_clock;
    explicit EnrolmentService(ServerStore& store) : store_(store) {}

    // A new code for `device` (a device grant: org, site, device), valid for `ttl`.
    Result<IssuedEnrolmentCode> issue(const TokenGrant& device, std::chrono::seconds ttl,
                                      Clock::time_point now = Clock::now());
    // Uses the code: the device's new token, or why the code is refused. `code` is
    // normalized digits, `pubkey` 64 lowercase hex (the caller checked both).
    Result<std::variant<IssuedToken, EnrolmentRefusal>> enrol(std::string_view code,
                                                              std::string_view pubkey,
                                                              Clock::time_point now = Clock::now());

  private:
    ServerStore& store_;
};

}  // namespace cx
