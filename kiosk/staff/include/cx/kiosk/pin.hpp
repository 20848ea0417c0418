#pragma once
// Staff PINs are stored only as Argon2id hashes (libsodium crypto_pwhash_str).
#include <string>
#include <string_view>

#include "cx/scoring/result.hpp"

namespace cx {

// 4 to 12 digits.
Status validate_pin(std::string_view pin);
// Argon2id hash string (interactive limits), with its own random salt.
Result<std::string> hash_pin(std::string_view pin);
// Constant-time check of `pin` against a hash from hash_pin.
bool verify_pin(std::string_view stored_hash, std::string_view pin);

}  // namespace cx
