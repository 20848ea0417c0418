#pragma once
// People who use the certifier's console (tokens stay for machines): their
// accounts and their sign-in sessions, as the store keeps them (README
// "The certifier's console").
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cx {

// A BLAKE2b-256 hash: what the store keeps of a token, a code or a session id.
using TokenHash = std::array<unsigned char, 32>;

// certifier: every organisation, enters assessments; viewer: one organisation, read-only.
enum class UserRole { Certifier, Viewer };
std::string_view to_string(UserRole role);
std::optional<UserRole> parse_user_role(std::string_view text);

struct User {
    std::int64_t id = 0;  // assigned by the store
    std::string name;
    UserRole role = UserRole::Viewer;
    std::string org;  // viewers only; empty for certifiers
    bool disabled = false;
    std::string created_at;
    std::string changed_at;  // the last change of password or state
    bool operator==(const User&) const = default;
};

// A user as sign-in needs it: with the Argon2id hash of the password.
struct UserCredentials {
    User user;
    std::string password_hash;
};

// A session as the store keeps it: the hash of its id (never the id, which only
// the browser's cookie holds) and the secret its forms' CSRF tokens carry.
struct NewSession {
    TokenHash id_hash{};
    std::int64_t user_id = 0;
    std::string csrf_secret;  // 64 lowercase hex
    std::string created_at;
};

// What a live session finds: whose it is and its CSRF secret.
struct LiveSession {
    User user;
    std::string csrf_secret;
    std::string created_at;
};

// When a session counts as over: last used at or before `idle_before`, or
// created at or before `created_before` (canonical UTC timestamps).
struct SessionCutoffs {
    std::string now;  // written as its last use when it is live
    std::string idle_before;
    std::string created_before;
};

}  // namespace cx
