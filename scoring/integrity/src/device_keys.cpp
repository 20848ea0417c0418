#include "cx/integrity/device_keys.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "cx/scoring/json_position.hpp"
#include "cx/scoring/json_text.hpp"

namespace cx::integrity {

std::string_view to_string(KeyCheck check) {
    switch (check) {
        case KeyCheck::Valid:
            return "valid";
        case KeyCheck::Unsigned:
            return "unsigned";
        case KeyCheck::WrongKey:
            return "wrong_key";
        case KeyCheck::UnknownDevice:
            return "unknown_device";
        case KeyCheck::BadSignature:
            break;
    }
    return "bad_signature";
}

Result<DeviceKeys> DeviceKeys::parse(std::string_view json) {
    auto parsed = parse_json_text(json);
    if (!parsed) return parsed.error();
    const nlohmann::json& doc = parsed.value();
    if (!doc.is_object())
        return Error{"a pubkeys file is a JSON object {\"<device>\": \"<key hex>\"}", 1};
    DeviceKeys keys;
    for (const auto& [device, value] : doc.items()) {
        auto first = find_key(json, device);
        if (find_key(json, device, first + 1) != std::string_view::npos)
            return error_at_key(json, device, "device \"" + device + "\" listed twice", first + 1);
        if (!is_valid_identifier(device))
            return error_at_key(
                json, device,
                "device \"" + device + "\": not a device name (1–64 of A–Z a–z 0–9 . _ -)");
        const auto listed = value.is_array() ? value : nlohmann::json::array({value});
        if (listed.empty())
            return error_at_key(json, device, "device \"" + device + "\": no key listed");
        for (const auto& entry : listed) {
            auto key = PublicKey::from_hex(entry.is_string() ? entry.get<std::string>() : "");
            if (!key)
                return error_at_key(json, device,
                                    "device \"" + device + "\": " + entry.dump() +
                                        " is not a key (64 lowercase hex digits, as `cxkiosk "
                                        "pubkey` prints it)");
            keys.add(device, key.value());
        }
    }
    return keys;
}

void DeviceKeys::add(std::string_view device, const PublicKey& key) {
    auto it = keys_.find(device);
    if (it == keys_.end()) it = keys_.try_emplace(std::string(device)).first;
    if (std::find(it->second.begin(), it->second.end(), key) == it->second.end())
        it->second.push_back(key);
}

KeyCheck DeviceKeys::check(const Response& record) const {
    auto it = keys_.find(record.device);
    if (it == keys_.end()) return KeyCheck::UnknownDevice;
    if (!record.is_signed()) return KeyCheck::Unsigned;
    auto key = std::find_if(it->second.begin(), it->second.end(),
                            [&](const PublicKey& k) { return k.hex() == record.key; });
    if (key == it->second.end()) return KeyCheck::WrongKey;
    return check_seal(record, *key) == SealCheck::Valid ? KeyCheck::Valid : KeyCheck::BadSignature;
}

}  // namespace cx::integrity
