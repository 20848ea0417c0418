#pragma once
// The chain audit: given the sealed records of some devices in any order, what
// is missing, doubled or broken. Used by `cxscore verify` and `cxscore score`
// and by the server's integrity report, so every reader draws the same picture.
//
// A device's records form one chain per key: seq 1, 2, 3 … under that key, each
// record's prev_hash the hash of the record before it (kGenesisPrevHash for the
// first record of a fresh store). A re-installed kiosk has a new key and starts a new
// chain; the report lists every key with the seqs it signed, so a reset is visible.
#include <array>
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

enum class ChainStart { SeqOne, FirstRecord };

class ChainAudit {
  public:
    // Adds a sealed record (record.is_signed()); unsigned records have no chain
    // and are not added. The same record added twice counts once.
    void add(const Response& record);
    // Adds a record from what a store keeps of it: device, key, seq, its own hash and
    // its prev_hash (both hex).
    void add(std::string_view device, std::string_view key, std::int64_t seq, const Digest& hash,
             const Digest& prev_hash);

    // Takes over `other`'s records (one audit per thread, merged at the end).
    void merge(ChainAudit&& other);

    // Devices in name order. `start` says what the records are: whole chains (the
    // server's store, an export to verify), where seqs missing before a chain's first
    // record are a gap too; or a window of them (a score over a period, a site, or an
    // export of one), where a chain is audited from its first record on.
    std::vector<DeviceChains> report(ChainStart start = ChainStart::SeqOne) const;

    // What the audit keeps of a record's hash: its first 16 bytes (128 bits, beyond
    // accidental and contrived collisions), so that a multi-GB export's chains fit in
    // 16 bytes a record.
    using Fingerprint = std::array<unsigned char, 16>;
    // Records added one after another in chain order, each seq one more than the last
    // and its prev_hash the last one's hash: the run keeps the first record's prev_hash
    // and each record's hash, since every link inside it was checked when it was added.
    struct Run {
        std::int64_t first_seq = 0;
        Fingerprint first_prev{};
        std::vector<Fingerprint> hashes;
        std::int64_t last_seq() const {
            return first_seq + static_cast<std::int64_t>(hashes.size()) - 1;
        }
    };
    struct KeyRuns {
        std::vector<Run> runs;
        std::size_t open = 0;  // the run the last record went to
    };

  private:
    friend class ChainAuditCodec;  // its runs as bytes (chain_audit_state.hpp)
    // device → key → runs
    std::map<std::string, std::map<std::string, KeyRuns, std::less<>>, std::less<>> chains_;
};

// Hex (64 digits) → digest; false when `hex` is not 64 lowercase hex digits.
bool parse_digest(std::string_view hex, Digest& out);

}  // namespace cx::integrity
