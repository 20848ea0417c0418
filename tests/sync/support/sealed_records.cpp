// Sealed test records: every device's records form one chain under the test key,
// whatever order and batches a test makes them in.
#include <chrono>
#include <map>
#include <mutex>
#include <tuple>

#include "sync_test_support.hpp"

namespace cx::test {

const integrity::SigningKey& test_signing_key() {
    static const integrity::SigningKey key = [] {
        std::array<unsigned char, 32> seed{};
        for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<unsigned char>(i);
        return integrity::SigningKey::from_seed(seed);
    }();
    return key;
}

integrity::SigningKey key_from_seed_byte(unsigned char fill) {
    std::array<unsigned char, 32> seed{};
    seed.fill(fill);
    return integrity::SigningKey::from_seed(seed);
}

Response make_response(std::string_view org, std::string_view site, std::string_view device,
                       std::int64_t seq, const integrity::SigningKey& key) {
    // Hashes of seq 1, 2, … of each (org, site, device, key), extended on demand.
    static std::mutex mutex;
    static std::map<std::tuple<std::string, std::string, std::string, std::string>,
                    std::vector<std::string>>
        chains;
    std::lock_guard lock(mutex);
    auto& hashes =
        chains[{std::string(org), std::string(site), std::string(device), key.public_key().hex()}];
    auto sealed = [&](std::int64_t at) {
        auto record = make_unsigned_response(org, site, device, at);
        // Another key is another chain (a re-installed kiosk): its ids differ too.
        if (key.public_key() != test_signing_key().public_key())
            record.id.replace(9, 4, key.public_key().hex().substr(0, 4));
        key.seal(record, at == 1 ? std::string(integrity::kGenesisPrevHash)
                                 : hashes[static_cast<std::size_t>(at - 2)]);
        return record;
    };
    while (static_cast<std::int64_t>(hashes.size()) < seq - 1)
        hashes.push_back(
            integrity::record_hash(sealed(static_cast<std::int64_t>(hashes.size()) + 1)));
    return sealed(seq);
}

void reseal(Response& record, const integrity::SigningKey& key) {
    const std::string prev_hash = record.prev_hash;
    canonicalize(record);
    key.seal(record, prev_hash);
}

SpreadChain::SpreadChain(std::string_view site, std::string_view device, std::int64_t count,
                         bool kiosk_flags_as_server) {
    auto submitted = std::chrono::sys_seconds{std::chrono::seconds{1763949600}};
    std::string prev(integrity::kGenesisPrevHash);
    for (std::int64_t seq = 1; seq <= count; ++seq) {
        auto r = make_unsigned_response("demo-org", site, device, seq);
        const bool burst = seq % 10 == 0;
        const bool speeder = seq % 13 == 0;
        const bool complete = seq % 9 != 0;
        submitted += std::chrono::seconds{burst ? 4 : 77 * 60};
        const auto taken = std::chrono::seconds{speeder ? 5 : 45};
        r.submitted_at = format_utc_timestamp(submitted);
        r.started_at = format_utc_timestamp(submitted - taken);
        r.duration_ms = taken.count() * 1000;
        if (!complete) r.status = ResponseStatus::Incomplete;
        if (seq % 11 == 0) r.flags.push_back("speeder");
        if (kiosk_flags_as_server && complete) {
            // The server's burst needs the record before to be complete too.
            if (burst && (seq - 1) % 9 != 0) r.flags.push_back("burst");
            if (speeder) r.flags.push_back("speeder");
        }
        canonicalize(r);
        unsealed.push_back(r);
        test_signing_key().seal(r, prev);
        prev = integrity::record_hash(r);
        sealed.push_back(r);
    }
}

std::vector<PendingRecord> SpreadChain::records(std::int64_t first, std::int64_t last) const {
    std::vector<PendingRecord> pending;
    for (auto seq = first; seq <= last; ++seq) {
        const auto& r = sealed[static_cast<std::size_t>(seq - 1)];
        pending.push_back({r.id, to_canonical_json(r)});
    }
    return pending;
}

}  // namespace cx::test
