#include "cx/server/seal_gate.hpp"

#include <algorithm>

namespace cx {

SealGate::SealGate(ServerStore& store, const TokenGrant& grant, std::string now)
    : store_(store), grant_(grant), now_(std::move(now)) {}

Status SealGate::keep(const std::vector<DeviceKey>& keys) {
    keys_.clear();
    for (const auto& bound : keys) {
        auto key = integrity::PublicKey::from_hex(bound.key);
        if (!key)
            return make_error(ErrorKind::Damaged, "device " + grant_.device +
                                                      " has a malformed key \"" + bound.key +
                                                      "\" in the store");
        keys_.push_back(std::move(key.value()));
    }
    return Ok{};
}

Status SealGate::load_keys() {
    loaded_ = true;
    auto keys = store_.device_keys(grant_.org, grant_.device);
    if (!keys) return keys.error();
    return keep(keys.value());
}

Status SealGate::pin(const Response& record) {
    auto keys = store_.pin_first_key(grant_.org, grant_.device, record.key, now_);
    if (!keys) return keys.error();
    return keep(keys.value());
}

Result<std::optional<SealRefusal>> SealGate::check(const Response& record) {
    using integrity::SealCheck;
    if (!record.is_signed())
        return std::optional<SealRefusal>{
            {ApiError::BadSignature, "the record is unsigned (no key, prev_hash and sig)"}};
    if (!loaded_)
        if (auto loaded = load_keys(); !loaded) return loaded.error();
    // Trust on first use: only a record whose signature holds may pin its key.
    if (keys_.empty() && integrity::check_own_seal(record) == SealCheck::Valid)
        if (auto pinned = pin(record); !pinned) return pinned.error();
    auto bound = std::find_if(keys_.begin(), keys_.end(), [&](const integrity::PublicKey& key) {
        return key.hex() == record.key;
    });
    if (bound == keys_.end()) {
        if (keys_.empty())
            return std::optional<SealRefusal>{
                {ApiError::BadSignature, "the signature does not verify under the record's key"}};
        return std::optional<SealRefusal>{
            {ApiError::WrongKey, "key " + record.key + " is not bound to device \"" +
                                     grant_.device +
                                     "\"; an admin binds a new key with cxserver add-token "
                                     "--role device … --pubkey KEY"}};
    }
    if (integrity::check_seal(record, *bound) != SealCheck::Valid)
        return std::optional<SealRefusal>{
            {ApiError::BadSignature, "the signature does not verify under key " + record.key}};
    return std::optional<SealRefusal>{};
}

}  // namespace cx
