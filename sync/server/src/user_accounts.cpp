#include "cx/server/user_accounts.hpp"

#include <algorithm>

#include "cx/config/password_hash.hpp"
#include "cx/scoring/response.hpp"

namespace cx {

Status check_password(std::string_view password) {
    if (password.size() < kMinPasswordBytes)
        return Error{"the password must have at least " + std::to_string(kMinPasswordBytes) +
                     " characters"};
    if (password.size() > kMaxPasswordBytes)
        return Error{"the password must have at most " + std::to_string(kMaxPasswordBytes) +
                     " bytes"};
    if (std::any_of(password.begin(), password.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
        return Error{"the password may not contain control characters"};
    return Ok{};
}

std::string utc_now_text() {
    return format_utc_timestamp(
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

Result<User> UserAccounts::add(std::string_view name, UserRole role, std::string_view org,
                               std::string_view password) {
    if (!is_valid_identifier(name)) return Error{"a user name is 1 to 64 of A-Z a-z 0-9 . _ -"};
    if (role == UserRole::Certifier && !org.empty())
        return Error{"a certifier sees every organisation: no --org"};
    if (role == UserRole::Viewer && !is_valid_identifier(org))
        return Error{"a viewer sees one organisation: --org ORG (1 to 64 of A-Z a-z 0-9 . _ -)"};
    if (auto valid = check_password(password); !valid) return valid.error();
    auto hash = hash_secret(password);
    if (!hash) return hash.error();
    const auto now = utc_now_text();
    User user{0, std::string(name), role, std::string(org), false, now, now};
    auto id = store_.add_user(user, hash.value());
    if (!id) return id.error();
    user.id = id.value();
    return user;
}

Result<bool> UserAccounts::change_password(std::string_view name, std::string_view password) {
    if (auto valid = check_password(password); !valid) return valid.error();
    auto hash = hash_secret(password);
    if (!hash) return hash.error();
    return store_.set_password(name, hash.value(), utc_now_text());
}

Result<bool> UserAccounts::disable(std::string_view name) {
    return store_.disable_user(name, utc_now_text());
}

Result<std::optional<User>> UserAccounts::authenticate(std::string_view name,
                                                       std::string_view password) {
    // An unknown name costs one Argon2id check too: the time tells nothing.
    static const std::string kNobody = [] {
        auto hash = hash_secret("no user has this password");
        return hash ? hash.value() : std::string{};
    }();
    auto found = store_.find_user(name);
    if (!found) return found.error();
    const bool known = found.value().has_value();
    const bool matches = verify_secret(known ? found.value()->password_hash : kNobody, password);
    if (!known || !matches || found.value()->user.disabled) return std::optional<User>{};
    return std::optional<User>{std::move(found.value()->user)};
}

}  // namespace cx
