#include "cx/server/web_sessions.hpp"

#include <sodium.h>

#include "cx/scoring/response.hpp"
#include "cx/server/tokens.hpp"
#include "cx/server/user_accounts.hpp"

namespace cx {

std::string random_token_hex() {
    return new_token().token;  // the same 256 random bits as a bearer token
}

bool tokens_match(std::string_view expected, std::string_view sent) {
    return !expected.empty() && expected.size() == sent.size() &&
           sodium_memcmp(expected.data(), sent.data(), expected.size()) == 0;
}

Result<StartedSession> WebSessions::start(const User& user) {
    StartedSession started{random_token_hex(), random_token_hex()};
    if (auto added = store_.add_session(
            {hash_token(started.id), user.id, started.csrf_secret, utc_now_text()});
        !added)
        return added.error();
    return started;
}

Result<std::optional<LiveSession>> WebSessions::find(std::string_view id) {
    if (!is_lowercase_hex(id, kTokenHexChars)) return std::optional<LiveSession>{};
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    return store_.use_session(hash_token(id),
                              {format_utc_timestamp(now), format_utc_timestamp(now - policy_.idle),
                               format_utc_timestamp(now - policy_.max)});
}

Status WebSessions::end(std::string_view id) {
    if (!is_lowercase_hex(id, kTokenHexChars)) return Ok{};
    return store_.end_session(hash_token(id));
}

}  // namespace cx
