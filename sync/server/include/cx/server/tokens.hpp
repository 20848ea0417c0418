#pragma once
// Bearer tokens: 256 random bits from libsodium, shown once, stored only as a
// BLAKE2b-256 hash under a public selector, compared in constant time.
#include <optional>
#include <string>
#include <string_view>

#include "cx/server/server_store.hpp"

namespace cx {

inline constexpr std::size_t kTokenHexChars = 64;     // 32 random bytes
inline constexpr std::size_t kSelectorHexChars = 16;  // the token's first 16 chars

TokenHash hash_token(std::string_view token);

// "Authorization" header value → the token, when it is "Bearer <64 hex>".
std::optional<std::string_view> bearer_token(std::string_view authorization);

// A grant's rule: a device token needs org, site and device, others an org only,
// each a valid identifier.
Status check_grant(const TokenGrant& grant);

// A fresh random token with what the store keeps of it.
struct NewToken {
    std::string token;
    std::string selector;
    TokenHash hash{};
};
NewToken new_token();

struct IssuedToken {
    std::string token;  // give to the kiosk or viewer; never stored
    TokenGrant grant;   // with its id
};

class TokenService {
  public:
    explicit TokenService(ServerStore& store) : store_(store) {}

    // Refuses a grant that lacks what its role needs (a device token needs
    // org, site and device; others an org) or has malformed identifiers.
    Result<IssuedToken> issue(TokenGrant grant);
    // The active grant of this token, nullopt for unknown, malformed or revoked.
    Result<std::optional<TokenGrant>> authenticate(std::string_view token);
    Result<bool> revoke(std::int64_t id);
    // Finds the token's id first; false when it is unknown or already revoked.
    Result<bool> revoke(std::string_view token);

  private:
    ServerStore& store_;
};

}  // namespace cx
