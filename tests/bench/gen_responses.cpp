// Writes N realistic canonical response records (JSON Lines) for benchmarks
// and sample data, deterministically from a seed: several kiosks with gap-free
// seq, times that advance through opening hours, mostly complete answers,
// some N/A, abandoned responses and integrity flags set the way the kiosk would.
// Each kiosk seals its chain with a fixed test key (kiosk-01 has the published
// vectors' key, seed 00 01 … 1f; kiosk-0k's seed starts with k − 1), so that
// `gen_responses --pubkeys` prints the keys `cxscore --pubkeys` checks them with.
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "cx/config/config_files.hpp"
#include "cx/integrity/seal.hpp"
#include "cx/scoring/response.hpp"

namespace {

std::string uuid_v4(std::mt19937_64& rng) {
    static const char* const kHex = "0123456789abcdef";
    std::string id(36, '-');
    std::uint64_t bits[2] = {rng(), rng()};
    for (int i = 0, nibble = 0; i < 36; ++i) {
        if (i == 8 || i == 13 || i == 18 || i == 23) continue;
        int value = static_cast<int>((bits[nibble / 16] >> (4 * (nibble % 16))) & 0xf);
        if (i == 14) value = 4;                // version 4
        if (i == 19) value = 8 | (value & 3);  // RFC 4122 variant
        id[static_cast<std::size_t>(i)] = kHex[value];
        ++nibble;
    }
    return id;
}

struct Kiosk {
    std::string device;
    cx::integrity::SigningKey key;
    std::string site;
    std::int64_t seq = 0;
    std::string prev_hash = std::string(cx::integrity::kGenesisPrevHash);
    std::int64_t clock = 0;  // seconds since epoch of the last submission
    std::int64_t last_complete = -1000000;
};

constexpr int kKiosks = 4;

std::string device_name(int kiosk) {
    char device[16];
    std::snprintf(device, sizeof device, "kiosk-%02d", kiosk);
    return device;
}

cx::integrity::SigningKey test_key(int kiosk) {
    std::array<unsigned char, 32> seed{};
    for (unsigned char i = 0; i < 32; ++i) seed[i] = i;
    seed[0] = static_cast<unsigned char>(kiosk - 1);
    return cx::integrity::SigningKey::from_seed(seed);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::string(argv[1]) == "--pubkeys") {
        std::string json = "{";
        for (int k = 1; k <= kKiosks; ++k)
            json += (k > 1 ? ", \"" : "\"") + device_name(k) + "\": \"" +
                    test_key(k).public_key().hex() + "\"";
        std::printf("%s}\n", json.c_str());
        return 0;
    }
    if (argc < 2 || argc > 5) {
        std::fprintf(
            stderr,
            "usage: %s N [SEED] [ORG] [SITES]   (writes N sealed records to stdout;\n"
            "           SITES > 1 spreads the kiosks over sites site-1 … site-SITES)\n"
            "       %s --pubkeys        (the kiosks' public keys, for cxscore --pubkeys)\n",
            argv[0], argv[0]);
        return 2;
    }
    const long long count = std::atoll(argv[1]);
    const unsigned long long seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 2026;
    const std::string org = argc > 3 ? argv[3] : "demo-org";
    const int sites = argc > 4 ? std::max(1, std::atoi(argv[4])) : 1;

    auto config = cx::load_scoring_config(cx::default_config_dir());
    if (!config) {
        std::fprintf(stderr, "%s\n", config.error().message.c_str());
        return 3;
    }
    const auto& questionnaire = config.value().questionnaire;
    const auto& policy = config.value().policy;

    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    // A good but not perfect organisation: mostly 4s and 5s.
    std::discrete_distribution<int> level_of({2, 4, 14, 38, 42});
    std::vector<Kiosk> kiosks;
    for (int k = 1; k <= kKiosks; ++k) {
        Kiosk kiosk{device_name(k), test_key(k),
                    sites == 1 ? "hq" : "site-" + std::to_string((k - 1) % sites + 1)};
        kiosk.clock = 1795942800;  // 2026-11-29T09:00:00Z
        kiosks.push_back(std::move(kiosk));
    }

    std::string line;
    line.reserve(1024);
    cx::Response r;
    for (long long n = 0; n < count; ++n) {
        auto& kiosk = kiosks[static_cast<std::size_t>(rng() % kiosks.size())];
        r.id = uuid_v4(rng);
        r.device = kiosk.device;
        r.org = org;
        r.site = kiosk.site;
        r.seq = ++kiosk.seq;
        r.questionnaire = questionnaire.id;
        r.lang = unit(rng) < 0.85 ? cx::Lang::Zh : cx::Lang::En;
        bool abandoned = unit(rng) < 0.03;
        r.status = abandoned ? cx::ResponseStatus::Incomplete : cx::ResponseStatus::Complete;
        r.answers.clear();
        std::size_t shown =
            abandoned ? rng() % questionnaire.items.size() : questionnaire.items.size();
        int answered = 0;
        for (std::size_t i = 0; i < shown; ++i) {
            bool not_applicable = unit(rng) < (questionnaire.items[i].id == "7" ? 0.15 : 0.04);
            int level = not_applicable ? cx::kNotApplicable : level_of(rng) + 1;
            answered += level != cx::kNotApplicable;
            r.answers.push_back({questionnaire.items[i].id, level});
        }
        // Most people take 2–6 s an answer; a few tap through in under a second.
        double seconds_per_item = unit(rng) < 0.02 ? 0.4 + 0.5 * unit(rng) : 2.0 + 4.0 * unit(rng);
        r.duration_ms = static_cast<std::int64_t>(
            1000.0 * (3.0 + seconds_per_item * static_cast<double>(shown)));
        kiosk.clock += 5 + static_cast<std::int64_t>(unit(rng) < 0.03 ? 2 : 60 + rng() % 600);
        std::int64_t submitted = kiosk.clock;
        std::int64_t started = submitted - r.duration_ms / 1000;
        r.started_at =
            cx::format_utc_timestamp(std::chrono::sys_seconds{std::chrono::seconds{started}});
        r.submitted_at =
            cx::format_utc_timestamp(std::chrono::sys_seconds{std::chrono::seconds{submitted}});
        r.flags.clear();
        if (abandoned) {
            r.flags.push_back("incomplete");
        } else {
            if (answered > 0 &&
                r.duration_ms <
                    static_cast<std::int64_t>(1000.0 * policy.speeder_seconds_per_item * answered))
                r.flags.push_back("speeder");
            if (static_cast<double>(submitted - kiosk.last_complete) < policy.burst_seconds)
                r.flags.push_back("burst");
            kiosk.last_complete = submitted;
        }
        cx::canonicalize(r);
        kiosk.key.seal(r, kiosk.prev_hash);
        kiosk.prev_hash = cx::integrity::record_hash(r);
        line.clear();
        cx::append_canonical_json(line, r);
        line.push_back('\n');
        std::fwrite(line.data(), 1, line.size(), stdout);
    }
    return std::fflush(stdout) == 0 ? 0 : 1;
}
