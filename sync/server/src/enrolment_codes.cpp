#include "cx/server/enrolment_codes.hpp"

#include <sodium.h>

#include <charconv>
#include <stdexcept>

#include "cx/scoring/response.hpp"
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
    if (text.size() < 2) return usage;
    long long amount = 0;
    auto number = text.substr(0, text.size() - 1);
    auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), amount);
    if (error != std::errc{} || end != number.data() + number.size() || amount <= 0) return usage;
    long long unit = 0;
    switch (text.back()) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        default:
            return usage;
    }
    // Anything over the bound is refused before it could overflow.
    if (amount > kMaxEnrolmentTtl.count() / unit) return usage;
    std::chrono::seconds ttl{amount * unit};
    if (ttl < kMinEnrolmentTtl) return usage;
    return ttl;
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
