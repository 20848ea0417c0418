#pragma once
// What the integrity checks found, as plain data: filled by the chain audit
// (scoring/integrity) in cxscore and the server, rendered with the score report
// (cx/scoring/report.hpp) so that both print the same section.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cx {

struct SeqRange {
    std::int64_t first = 0;
    std::int64_t last = 0;
    bool operator==(const SeqRange&) const = default;
};

// One key's chain of one device (sync/PROTOCOL.md "Signed records").
struct KeyChain {
    std::string key;  // hex
    std::int64_t first_seq = 0;
    std::int64_t highest_seq = 0;
    std::int64_t records = 0;                // distinct records (each side of a fork counts)
    std::vector<SeqRange> gaps;              // seqs missing from 1 to highest_seq
    std::vector<std::int64_t> forks;         // seqs with two or more different records
    std::vector<std::int64_t> broken_links;  // seqs whose prev_hash is not the hash of seq - 1
    bool intact() const { return gaps.empty() && forks.empty() && broken_links.empty(); }
};

struct DeviceChains {
    std::string device;
    std::vector<KeyChain> keys;  // in order of first seq, then key
    bool intact() const;
};

// The `integrity` section of a score report.
struct IntegritySummary {
    // Whether each record's signature was checked against its device's key (the server
    // always; cxscore with --pubkeys). Chains are always checked.
    bool signatures_checked = false;
    std::vector<DeviceChains> devices;
    // Records left out of the score for their integrity, by reason (bad_signature,
    // wrong_key, unsigned, unknown_device), beside the policy's flag exclusions.
    std::map<std::string, std::int64_t> excluded;
    bool intact() const;
};

}  // namespace cx
