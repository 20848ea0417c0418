#include "cx/integrity/chain_audit.hpp"

#include <algorithm>
#include <array>

namespace cx::integrity {

bool parse_digest(std::string_view hex, Digest& out) {
    // A table, not sodium_hex2bin: that one is constant-time for secrets, and slow for
    // the public hash of every record cxscore audits.
    static constexpr auto kNibble = [] {
        std::array<unsigned char, 256> table{};
        for (unsigned char c = '0'; c <= '9'; ++c) table[c] = static_cast<unsigned char>(c - '0');
        for (unsigned char c = 'a'; c <= 'f'; ++c)
            table[c] = static_cast<unsigned char>(c - 'a' + 10);
        return table;
    }();
    if (!is_lowercase_hex(hex, 64)) return false;
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<unsigned char>(kNibble[static_cast<unsigned char>(hex[2 * i])] << 4 |
                                            kNibble[static_cast<unsigned char>(hex[2 * i + 1])]);
    return true;
}

void ChainAudit::add(const Response& record) {
    if (!record.is_signed()) return;
    Digest prev{};
    parse_digest(record.prev_hash, prev);  // the record parser checked its form
    add(record.device, record.key, record.seq, record_digest(record), prev);
}

namespace {

using Fingerprint = ChainAudit::Fingerprint;
using Run = ChainAudit::Run;

Fingerprint fingerprint(const Digest& digest) {
    Fingerprint print;
    std::copy_n(digest.begin(), print.size(), print.begin());
    return print;
}

// A run is closed at this length and the chain continues in a new one, so a growing
// run never reallocates more than this (16 bytes a record: 1 MiB).
constexpr std::size_t kMaxRunRecords = std::size_t{1} << 16;

}  // namespace

void ChainAudit::add(std::string_view device, std::string_view key, std::int64_t seq,
                     const Digest& hash, const Digest& prev_hash) {
    auto device_it = chains_.find(device);
    if (device_it == chains_.end()) device_it = chains_.try_emplace(std::string(device)).first;
    auto& keys = device_it->second;
    auto key_it = keys.find(key);
    if (key_it == keys.end()) key_it = keys.try_emplace(std::string(key)).first;
    auto& chain = key_it->second;
    auto print = fingerprint(hash);
    if (!chain.runs.empty()) {
        auto& open = chain.runs[chain.open];
        if (seq == open.last_seq() + 1 && fingerprint(prev_hash) == open.hashes.back() &&
            open.hashes.size() < kMaxRunRecords) {
            open.hashes.push_back(print);
            return;
        }
    }
    chain.runs.push_back(Run{seq, fingerprint(prev_hash), {print}});
    chain.open = chain.runs.size() - 1;
}

void ChainAudit::merge(ChainAudit&& other) {
    for (auto& [device, keys] : other.chains_) {
        auto& mine = chains_[device];
        for (auto& [key, chain] : keys) {
            auto& into = mine[key];
            for (auto& run : chain.runs) into.runs.push_back(std::move(run));
            if (!into.runs.empty()) into.open = into.runs.size() - 1;
        }
    }
    other.chains_.clear();
}

namespace {

// One record as the audit sees it.
struct Link {
    std::int64_t seq;
    Fingerprint hash;
    Fingerprint prev_hash;
};

// Walks a chain's distinct records in seq order, one seq at a time, and names what
// is missing, doubled or broken. It remembers only the seq before, so a long run is
// walked record by record without being copied.
class ChainWalk {
  public:
    ChainWalk(KeyChain& chain, ChainStart start) : chain_(chain), start_(start) {}

    // All distinct records of `seq` (more than one: a fork).
    void add_seq(std::int64_t seq, const Link* links, std::size_t count) {
        const bool first = chain_.records == 0;
        if (first) chain_.first_seq = seq;
        if (first && start_ == ChainStart::FirstRecord) expected_ = seq;
        chain_.highest_seq = seq;
        chain_.records += static_cast<std::int64_t>(count);
        // Whole chains start at seq 1: records missing before the first one are a gap too.
        if (seq > expected_) chain_.gaps.push_back({expected_, seq - 1});
        if (count > 1) chain_.forks.push_back(seq);
        // The link to seq - 1 is checked when exactly one record holds each side; a
        // fork already says the chain split there.
        if (count == 1 && seq == 1 && links[0].prev_hash != Fingerprint{})
            chain_.broken_links.push_back(seq);
        if (count == 1 && seq > 1 && previous_seq_ == seq - 1 && previous_count_ == 1 &&
            links[0].prev_hash != previous_hash_)
            chain_.broken_links.push_back(seq);
        expected_ = seq + 1;
        previous_seq_ = seq;
        previous_count_ = count;
        previous_hash_ = links[0].hash;
    }

  private:
    KeyChain& chain_;
    ChainStart start_;
    std::int64_t expected_ = 1;
    std::int64_t previous_seq_ = 0;
    std::size_t previous_count_ = 0;
    Fingerprint previous_hash_{};
};

// Runs whose seqs overlap (a duplicate, a fork, a file read twice) are taken apart into
// their records, sorted and de-duplicated; a run that overlaps none is walked as it is.
KeyChain audit_chain(const std::string& key, const std::vector<Run>& runs, ChainStart start) {
    KeyChain chain;
    chain.key = key;
    ChainWalk walk(chain, start);
    std::vector<const Run*> sorted;
    for (const auto& run : runs) sorted.push_back(&run);
    std::sort(sorted.begin(), sorted.end(), [](const Run* a, const Run* b) {
        return a->first_seq != b->first_seq ? a->first_seq < b->first_seq
                                            : a->last_seq() < b->last_seq();
    });
    auto link_of = [](const Run& run, std::size_t i) {
        return Link{run.first_seq + static_cast<std::int64_t>(i), run.hashes[i],
                    i == 0 ? run.first_prev : run.hashes[i - 1]};
    };
    for (std::size_t i = 0; i < sorted.size();) {
        std::size_t end = i + 1;
        auto last = sorted[i]->last_seq();
        while (end < sorted.size() && sorted[end]->first_seq <= last)
            last = std::max(last, sorted[end++]->last_seq());
        if (end == i + 1) {
            for (std::size_t r = 0; r < sorted[i]->hashes.size(); ++r) {
                auto link = link_of(*sorted[i], r);
                walk.add_seq(link.seq, &link, 1);
            }
        } else {
            std::vector<Link> links;
            for (auto k = i; k < end; ++k)
                for (std::size_t r = 0; r < sorted[k]->hashes.size(); ++r)
                    links.push_back(link_of(*sorted[k], r));
            std::sort(links.begin(), links.end(), [](const Link& a, const Link& b) {
                return a.seq != b.seq ? a.seq < b.seq : a.hash < b.hash;
            });
            links.erase(std::unique(links.begin(), links.end(),
                                    [](const Link& a, const Link& b) {
                                        return a.seq == b.seq && a.hash == b.hash;
                                    }),
                        links.end());
            for (std::size_t k = 0; k < links.size();) {
                std::size_t same = k + 1;
                while (same < links.size() && links[same].seq == links[k].seq) ++same;
                walk.add_seq(links[k].seq, &links[k], same - k);
                k = same;
            }
        }
        i = end;
    }
    return chain;
}

}  // namespace

std::vector<DeviceChains> ChainAudit::report(ChainStart start) const {
    std::vector<DeviceChains> devices;
    for (const auto& [device, keys] : chains_) {
        DeviceChains chains{device, {}};
        for (const auto& [key, chain] : keys)
            chains.keys.push_back(audit_chain(key, chain.runs, start));
        std::sort(chains.keys.begin(), chains.keys.end(), [](const KeyChain& a, const KeyChain& b) {
            return a.first_seq != b.first_seq ? a.first_seq < b.first_seq : a.key < b.key;
        });
        devices.push_back(std::move(chains));
    }
    return devices;
}

}  // namespace cx::integrity
