#pragma once
// The keys a certifier trusts for each device (`cxscore --pubkeys FILE`): a JSON
// object {"kiosk-01": "<key hex>"}, or for a kiosk re-installed with a new key
// {"kiosk-01": ["<old key hex>", "<new key hex>"]}. A record is valid when it is
// signed by one of its device's keys and the signature holds.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cx/integrity/seal.hpp"

namespace cx::integrity {

// What checking a record against the keys listed for its device found.
enum class KeyCheck {
    Valid,
    Unsigned,       // no seal (written before integrity)
    WrongKey,       // sealed by a key not listed for its device
    UnknownDevice,  // no key is listed for its device
    BadSignature,   // the signature does not match the record's bytes
};
// "valid", "unsigned", "wrong_key", "unknown_device", "bad_signature"
std::string_view to_string(KeyCheck check);

class DeviceKeys {
  public:
    // Parses the pubkeys file's text; an error carries the line of the offending entry.
    static Result<DeviceKeys> parse(std::string_view json);

    // Lists `key` for `device` (a device may have several: one per installation).
    void add(std::string_view device, const PublicKey& key);
    KeyCheck check(const Response& record) const;

  private:
    std::map<std::string, std::vector<PublicKey>, std::less<>> keys_;
};

}  // namespace cx::integrity
