#include "cx/server/enrolment_codes.hpp"

#include <sodium.h>

#include <stdexcept>

#include "cx/scoring/response.hpp"
#include "cx/server/duration_text.hpp"
#include "cx/sync/enrolment.hpp"

namespace cx {

namespace {

std::string utc_text(EnrolmentService::Clock::time_point time) {
    return format_utc_timestamp(std::chrono::floor<std::chrono::seconds>(time));
}

std::string random_digits(std::size_t count) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    std::string digits(count, '0');
    for (auto& digit : digits) digit = static_cast<char>('0' + randombytes_uniform(10));
    return digits;
}

}  // namespace

Result<std::chrono::seconds> parse_enrolment_ttl(std::string_view text) {
    const Error usage{"--ttl must be a whole number with s, m, h or d (e.g. 30m, 24h, 7d), from " +
                      std::to_string(kMinEnrolmentTtl.count() / 60) + " minute to " +
                      std::to_string(kMaxEnrolmentTtl.count() / 86400) + " days"};
    auto ttl = parse_duration(text);
    if (!ttl || ttl.value() < kMinEnrolmentTtl || ttl.value() > kMaxEnrolmentTtl) return usage;
    return ttl.value();
}

Result<IssuedEnrolmentCode> EnrolmentService::issue(const TokenGrant& device,
                                                    std::chrono::seconds ttl,
                                                    Clock::time_point now) {
    if (device.role != Role::Device) return Error{"an enrolment code is for a device"};
    if (auto valid = check_grant(device); !valid) return valid.error();
    IssuedEnrolmentCode issued{random_digits(kEnrolmentCodeDigits), utc_text(now + ttl)};
    EnrolmentCode stored{hash_token(issued.code), device.org,    device.site,
                         device.device,           utc_text(now), issued.expires_at};
    if (auto added = store_.add_enrolment_code(stored); !added) return added.error();
    return issued;
}

Result<std::variant<IssuedToken, EnrolmentRefusal>> EnrolmentService::enrol(std::string_view code,
                                                                            std::string_view pubkey,
                                                                            Clock::time_point now) {
    auto fresh = new_token();
    auto outcome = store_.enrol(
        {hash_token(code), fresh.selector, fresh.hash, std::string(pubkey), utc_text(now)});
    if (!outcome) return outcome.error();
    using Enrolled = std::variant<IssuedToken, EnrolmentRefusal>;
    if (auto* refusal = std::get_if<EnrolmentRefusal>(&outcome.value())) return Enrolled{*refusal};
    return Enrolled{
        IssuedToken{std::move(fresh.token), std::get<TokenGrant>(std::move(outcome.value()))}};
}

}  // namespace cx
