#pragma once
// The chain audit: given the sealed records of some devices in any order, what
// is missing, doubled or broken. Used by `cxscore verify` and `cxscore score`
// and by the server's integrity report, so every reader draws the same picture.
//
// A device's records form one chain per key: seq 1, 2, 3 … under that key, each
// record's prev_hash the hash of the record before it (kGenesisPrevHash for the
// first record of a fresh store). A re-installed kiosk has a new key and starts a new
// chain; the report lists every key with the seqs it signed, so a reset is visible.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cx/integrity/seal.hpp"
#include "cx/scoring/integrity_summary.hpp"

namespace cx::integrity {

using cx::DeviceChains;
using cx::KeyChain;
using cx::SeqRange;

class ChainAudit {
  public:
    // Adds a sealed record (record.is_signed()); unsigned records have no chain
    // and are not added. The same record added twice counts once.
    void add(const Response& record);
    // Adds a record from what a store keeps of it: device, key, seq, its own hash and
    // its prev_hash (both hex).
    void add(std::string_view device, std::string_view key, std::int64_t seq, const Digest& hash,
             const Digest& prev_hash);

    // Devices in name order.
    std::vector<DeviceChains> report() const;

    struct Link {
        std::int64_t seq;
        Digest hash;
        Digest prev_hash;
    };

  private:
    // device → key → links (sorted and de-duplicated when reported)
    std::map<std::string, std::map<std::string, std::vector<Link>, std::less<>>, std::less<>>
        chains_;
};

// Hex (64 digits) → digest; false when `hex` is not 64 lowercase hex digits.
bool parse_digest(std::string_view hex, Digest& out);

}  // namespace cx::integrity
