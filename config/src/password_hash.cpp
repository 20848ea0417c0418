#include "cx/config/password_hash.hpp"

#include <sodium.h>

#include <algorithm>

namespace cx {

namespace {
bool sodium_ready() {
    static const bool ready = sodium_init() >= 0;
    return ready;
}
}  // namespace

Result<std::string> hash_secret(std::string_view secret) {
    if (!sodium_ready()) return Error{"libsodium could not be initialised"};
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, secret.data(), secret.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return make_error(ErrorKind::Internal, "not enough memory to hash the secret");
    return std::string(hash);
}

bool verify_secret(std::string_view stored_hash, std::string_view secret) {
    if (!sodium_ready() || stored_hash.empty() || stored_hash.size() >= crypto_pwhash_STRBYTES)
        return false;
    char hash[crypto_pwhash_STRBYTES] = {};
    std::copy(stored_hash.begin(), stored_hash.end(), hash);
    return crypto_pwhash_str_verify(hash, secret.data(), secret.size()) == 0;
}

}  // namespace cx
