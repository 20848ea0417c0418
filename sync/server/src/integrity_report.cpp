#include "cx/server/integrity_report.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "cx/integrity/chain_audit.hpp"

namespace cx {

namespace {

using nlohmann::ordered_json;

ordered_json key_json(std::string_view key, std::string_view trusted, const KeyChain* chain) {
    ordered_json links = ordered_json::array();
    if (chain)
        for (auto seq : chain->broken_links) links.push_back(seq);
    return {{"key", key},
            {"trusted", trusted},
            {"first_seq", chain ? chain->first_seq : 0},
            {"last_seq", chain ? chain->highest_seq : 0},
            {"records", chain ? chain->records : 0},
            {"broken_links", std::move(links)}};
}

// One device: its bound keys in the order they were bound (then any key with records
// that is bound no more), gaps and forks of every chain named by key.
ordered_json device_json(const std::string& device, const std::vector<DeviceKey>& bound,
                         const std::vector<KeyChain>& chains, std::int64_t late) {
    ordered_json keys = ordered_json::array(), gaps = ordered_json::array(),
                 forks = ordered_json::array();
    std::int64_t highest = 0;
    auto chain_of = [&](std::string_view key) -> const KeyChain* {
        auto found = std::find_if(chains.begin(), chains.end(),
                                  [&](const KeyChain& chain) { return chain.key == key; });
        return found == chains.end() ? nullptr : &*found;
    };
    for (const auto& key : bound)
        keys.push_back(key_json(key.key, to_string(key.trusted), chain_of(key.key)));
    for (const auto& chain : chains) {
        highest = std::max(highest, chain.highest_seq);
        for (const auto& gap : chain.gaps)
            gaps.push_back({{"key", chain.key}, {"first", gap.first}, {"last", gap.last}});
        for (auto seq : chain.forks) forks.push_back({{"key", chain.key}, {"seq", seq}});
        if (std::none_of(bound.begin(), bound.end(),
                         [&](const DeviceKey& key) { return key.key == chain.key; }))
            keys.push_back(key_json(chain.key, "none", &chain));
    }
    // Only a device's first key can be pinned on first use: later ones need an admin.
    std::string_view pinned = bound.empty() ? "none" : to_string(bound.front().trusted);
    return {{"device", device},        {"key_pinned", pinned},      {"highest_seq", highest},
            {"gaps", std::move(gaps)}, {"forks", std::move(forks)}, {"late_arrivals", late},
            {"keys", std::move(keys)}};
}

}  // namespace

Result<std::string> org_integrity_json(ServerStore& store, std::string_view org) {
    integrity::ChainAudit audit;
    std::string damaged;
    auto walked = store.for_each_link(org, [&](const ChainLink& link) {
        integrity::Digest hash{}, prev_hash{};
        if (!integrity::parse_digest(link.hash, hash) ||
            !integrity::parse_digest(link.prev_hash, prev_hash)) {
            damaged = link.device + " seq " + std::to_string(link.seq);
            return;
        }
        audit.add(link.device, link.key, link.seq, hash, prev_hash);
    });
    if (!walked) return walked.error();
    if (!damaged.empty())
        return make_error(ErrorKind::Damaged, "stored hashes of " + damaged + " are malformed");
    auto keys = store.device_keys(org, std::nullopt);
    if (!keys) return keys.error();
    auto late = store.late_arrivals(org);
    if (!late) return late.error();

    std::map<std::string, std::vector<DeviceKey>> bound;
    for (auto& key : keys.value()) bound[key.device].push_back(std::move(key));
    std::map<std::string, std::vector<KeyChain>> chains;
    for (auto& device : audit.report()) chains[device.device] = std::move(device.keys);
    for (const auto& [device, _] : chains) bound.try_emplace(device);

    ordered_json devices = ordered_json::array();
    for (const auto& [device, device_keys] : bound) {
        auto late_count = late.value().find(device);
        devices.push_back(device_json(device, device_keys, chains[device],
                                      late_count == late.value().end() ? 0 : late_count->second));
    }
    return ordered_json{{"devices", std::move(devices)}}.dump();
}

}  // namespace cx
