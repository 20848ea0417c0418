#include "cx/integrity/chain_audit.hpp"

#include <sodium.h>

#include <algorithm>

namespace cx::integrity {

bool parse_digest(std::string_view hex, Digest& out) {
    if (!is_lowercase_hex(hex, 64)) return false;
    sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, nullptr, nullptr);
    return true;
}

void ChainAudit::add(const Response& record) {
    if (!record.is_signed()) return;
    Digest prev{};
    parse_digest(record.prev_hash, prev);  // the record parser checked its form
    add(record.device, record.key, record.seq, record_digest(record), prev);
}

void ChainAudit::add(std::string_view device, std::string_view key, std::int64_t seq,
                     const Digest& hash, const Digest& prev_hash) {
    auto device_it = chains_.find(device);
    if (device_it == chains_.end()) device_it = chains_.try_emplace(std::string(device)).first;
    auto& keys = device_it->second;
    auto key_it = keys.find(key);
    if (key_it == keys.end()) key_it = keys.try_emplace(std::string(key)).first;
    key_it->second.push_back(Link{seq, hash, prev_hash});
}

namespace {

Digest genesis() {
    Digest zero{};
    return zero;
}

KeyChain audit_chain(const std::string& key, std::vector<ChainAudit::Link> links);

}  // namespace

std::vector<DeviceChains> ChainAudit::report() const {
    std::vector<DeviceChains> devices;
    for (const auto& [device, keys] : chains_) {
        DeviceChains chains{device, {}};
        for (const auto& [key, links] : keys) chains.keys.push_back(audit_chain(key, links));
        std::sort(chains.keys.begin(), chains.keys.end(), [](const KeyChain& a, const KeyChain& b) {
            return a.first_seq != b.first_seq ? a.first_seq < b.first_seq : a.key < b.key;
        });
        devices.push_back(std::move(chains));
    }
    return devices;
}

namespace {

KeyChain audit_chain(const std::string& key, std::vector<ChainAudit::Link> links) {
    using Link = ChainAudit::Link;
    std::sort(links.begin(), links.end(), [](const Link& a, const Link& b) {
        return a.seq != b.seq ? a.seq < b.seq : a.hash < b.hash;
    });
    links.erase(std::unique(links.begin(), links.end(),
                            [](const Link& a, const Link& b) {
                                return a.seq == b.seq && a.hash == b.hash;
                            }),
                links.end());
    KeyChain chain;
    chain.key = key;
    chain.records = static_cast<std::int64_t>(links.size());
    if (links.empty()) return chain;
    chain.first_seq = links.front().seq;
    chain.highest_seq = links.back().seq;
    // A chain starts at seq 1: records missing before the first one received are a gap too.
    std::int64_t expected = 1;
    for (std::size_t i = 0; i < links.size();) {
        std::size_t end = i + 1;
        while (end < links.size() && links[end].seq == links[i].seq) ++end;
        const auto seq = links[i].seq;
        if (seq > expected) chain.gaps.push_back({expected, seq - 1});
        if (end - i > 1) chain.forks.push_back(seq);
        // The link to seq - 1 is checked when exactly one record holds each side; a
        // fork already says the chain split there.
        bool unique = end - i == 1;
        if (unique && seq == 1 && links[i].prev_hash != genesis())
            chain.broken_links.push_back(seq);
        if (unique && seq > 1 && i > 0 && links[i - 1].seq == seq - 1 &&
            (i < 2 || links[i - 2].seq != seq - 1) && links[i].prev_hash != links[i - 1].hash)
            chain.broken_links.push_back(seq);
        expected = seq + 1;
        i = end;
    }
    return chain;
}

}  // namespace

}  // namespace cx::integrity
