#include "cx/kiosk/pin.hpp"

#include <sodium.h>
#include <algorithm>

namespace cx {

namespace {
bool sodium_ready() {
    static const bool ready = sodium_init() >= 0;
    return ready;
}
}  // namespace

Status validate_pin(std::string_view pin) {
    if (pin.size() < 4 || pin.size() > 12) return Error{"the PIN must have 4 to 12 digits"};
    if (!std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return Error{"the PIN may contain digits only"};
    return Ok{};
}

Result<std::string> hash_pin(std::string_view pin) {
    if (auto valid = validate_pin(pin); !valid) return valid.error();
    if (!sodium_ready()) return Error{"libsodium could not be initialised"};
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, pin.data(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return Error{"not enough memory to hash the PIN"};
    return std::string(hash);
}

bool verify_pin(std::string_view stored_hash, std::string_view pin) {
    if (!sodium_ready() || stored_hash.empty() || stored_hash.size() >= crypto_pwhash_STRBYTES)
        return false;
    char hash[crypto_pwhash_STRBYTES] = {};
    std::copy(stored_hash.begin(), stored_hash.end(), hash);
    return crypto_pwhash_str_verify(hash, pin.data(), pin.size()) == 0;
}

}  // namespace cx
