#include "cx/server/tokens.hpp"

#include <sodium.h>

#include <chrono>
#include <stdexcept>

#include "cx/scoring/response.hpp"

namespace cx {

namespace {

void ensure_sodium() {
    static const bool ready = sodium_init() >= 0;
    if (!ready) throw std::runtime_error("libsodium failed to initialise");
}

bool is_token_shaped(std::string_view token) {
    if (token.size() != kTokenHexChars) return false;
    for (char c : token)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

std::string now_utc() {
    return format_utc_timestamp(
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

}  // namespace

TokenHash hash_token(std::string_view token) {
    ensure_sodium();
    TokenHash hash{};
    crypto_generichash(hash.data(), hash.size(),
                       reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr,
                       0);
    return hash;
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
    constexpr std::string_view kScheme = "Bearer ";
    if (authorization.substr(0, kScheme.size()) != kScheme) return std::nullopt;
    auto token = authorization.substr(kScheme.size());
    if (!is_token_shaped(token)) return std::nullopt;
    return token;
}

Status check_grant(const TokenGrant& grant) {
    if (!is_valid_identifier(grant.org)) return Error{"--org must be 1–64 of A–Z a–z 0–9 . _ -"};
    if (grant.role == Role::Device) {
        if (!is_valid_identifier(grant.site) || !is_valid_identifier(grant.device))
            return Error{"a device token needs --site and --device (1–64 of A–Z a–z 0–9 . _ -)"};
    } else if (!grant.site.empty() || !grant.device.empty()) {
        return Error{"only device tokens are bound to a site and device"};
    }
    return Ok{};
}

NewToken new_token() {
    ensure_sodium();
    unsigned char secret[kTokenHexChars / 2];
    randombytes_buf(secret, sizeof secret);
    NewToken fresh;
    fresh.token.assign(kTokenHexChars + 1, '\0');
    sodium_bin2hex(fresh.token.data(), fresh.token.size(), secret, sizeof secret);
    fresh.token.pop_back();  // sodium_bin2hex's terminating NUL
    sodium_memzero(secret, sizeof secret);
    fresh.selector = fresh.token.substr(0, kSelectorHexChars);
    fresh.hash = hash_token(fresh.token);
    return fresh;
}

Result<IssuedToken> TokenService::issue(TokenGrant grant) {
    if (auto valid = check_grant(grant); !valid) return valid.error();
    auto fresh = new_token();
    auto id = store_.add_token(fresh.selector, fresh.hash, grant, now_utc());
    if (!id) return id.error();
    grant.id = id.value();
    return IssuedToken{std::move(fresh.token), std::move(grant)};
}

Result<std::optional<TokenGrant>> TokenService::authenticate(std::string_view token) {
    if (!is_token_shaped(token)) return std::optional<TokenGrant>{};
    auto row = store_.find_token(token.substr(0, kSelectorHexChars));
    if (!row) return row.error();
    if (!row.value()) return std::optional<TokenGrant>{};
    auto hash = hash_token(token);
    if (sodium_memcmp(hash.data(), row.value()->hash.data(), hash.size()) != 0)
        return std::optional<TokenGrant>{};
    return std::optional<TokenGrant>{row.value()->grant};
}

Result<bool> TokenService::revoke(std::int64_t id) {
    return store_.revoke_token(id, now_utc());
}

Result<bool> TokenService::revoke(std::string_view token) {
    auto grant = authenticate(token);
    if (!grant) return grant.error();
    if (!grant.value()) return false;
    return revoke(grant.value()->id);
}

}  // namespace cx
