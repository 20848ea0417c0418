#pragma once
// Console sessions: the id is 256 random bits that only the browser's cookie
// holds (the store keeps its BLAKE2b hash); each session has its own CSRF secret
// that its forms carry; a session ends after `idle` without use, `max` after it
// began, at sign-out, or when its user is disabled.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "cx/server/server_store.hpp"

namespace cx {

struct SessionPolicy {
    std::chrono::seconds idle{30 * 60};
    std::chrono::seconds max{12 * 60 * 60};
};

// 32 random bytes as 64 lowercase hex (session ids, CSRF secrets, sign-in form tokens).
std::string random_token_hex();
// Constant-time comparison of a token a form sent with the one expected; an empty
// expected token matches nothing.
bool tokens_match(std::string_view expected, std::string_view sent);

struct StartedSession {
    std::string id;  // the cookie value; never stored
    std::string csrf_secret;
};

class WebSessions {
  public:
    WebSessions(ServerStore& store, SessionPolicy policy) : store_(store), policy_(policy) {}

    Result<StartedSession> start(const User& user);
    // The live session the cookie value names (its last use now), nullopt when it
    // is malformed, unknown or over.
    Result<std::optional<LiveSession>> find(std::string_view id);
    Status end(std::string_view id);

  private:
    ServerStore& store_;
    SessionPolicy policy_;
};

}  // namespace cx
