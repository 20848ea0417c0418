#pragma once
// Secrets people type (the kiosk's staff PIN, a console user's password) are
// stored only as Argon2id hash strings (libsodium crypto_pwhash_str), each with
// its own random salt, and checked in constant time.
#include <string>
#include <string_view>

#include "cx/scoring/result.hpp"

namespace cx {

// Argon2id hash string of `secret` at libsodium's interactive limits.
Result<std::string> hash_secret(std::string_view secret);
// Whether `secret` matches a hash from hash_secret; false for an empty or malformed hash.
bool verify_secret(std::string_view stored_hash, std::string_view secret);

}  // namespace cx
