#pragma once
// Console users (cx/server/people.hpp) as cxserver's commands and sign-in see
// them: the rules of a user and a password, Argon2id hashing, and the check of a
// name and password that takes as long whether or not the name exists.
#include <chrono>
#include <string>
#include <string_view>

#include "cx/server/server_store.hpp"

namespace cx {

inline constexpr std::size_t kMinPasswordBytes = 10;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

// Long enough to resist guessing (10 bytes at least; Argon2id slows the rest), no
// longer than 1 KiB, and no control characters (a pasted line end is a mistake).
Status check_password(std::string_view password);

class UserAccounts {
  public:
    explicit UserAccounts(ServerStore& store) : store_(store) {}

    // A certifier has no org; a viewer needs one; names and orgs are identifiers
    // ([A-Za-z0-9._-], 1 to 64). Breaking a rule is kind Invalid.
    Result<User> add(std::string_view name, UserRole role, std::string_view org,
                     std::string_view password);
    // False when no user has this name.
    Result<bool> change_password(std::string_view name, std::string_view password);
    // Disables the user and ends their sessions; false when no user has this name.
    Result<bool> disable(std::string_view name);
    // The user, when `name` names an enabled user whose password is `password`;
    // nullopt otherwise (which of the two is wrong is not told).
    Result<std::optional<User>> authenticate(std::string_view name, std::string_view password);

  private:
    ServerStore& store_;
};

// Now as the store's canonical UTC text.
std::string utc_now_text();

}  // namespace cx
