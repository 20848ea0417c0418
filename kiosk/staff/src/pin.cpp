#include "cx/kiosk/pin.hpp"

#include <algorithm>

#include "cx/config/password_hash.hpp"

namespace cx {

Status validate_pin(std::string_view pin) {
    if (pin.size() < 4 || pin.size() > 12) return Error{"the PIN must have 4 to 12 digits"};
    if (!std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return Error{"the PIN may contain digits only"};
    return Ok{};
}

Result<std::string> hash_pin(std::string_view pin) {
    if (auto valid = validate_pin(pin); !valid) return valid.error();
    return hash_secret(pin);
}

bool verify_pin(std::string_view stored_hash, std::string_view pin) {
    return verify_secret(stored_hash, pin);
}

}  // namespace cx
