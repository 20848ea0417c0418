#pragma once
// What the fuzz targets share: the shipped configuration (loaded once) and a
// check that aborts on a broken invariant, so libFuzzer records the input.
#include <cstdio>
#include <cstdlib>

#include "cx/config/config_files.hpp"

namespace cx::fuzz {

inline const ScoringConfig& shipped_config() {
    static const ScoringConfig config = [] {
        auto loaded = load_scoring_config(CX_FUZZ_CONFIG_DIR);
        if (!loaded) {
            std::fprintf(stderr, "fuzz: cannot load %s: %s\n", CX_FUZZ_CONFIG_DIR,
                         loaded.error().message.c_str());
            std::abort();
        }
        return loaded.value();
    }();
    return config;
}

inline void require(bool holds, const char* invariant) {
    if (holds) return;
    std::fprintf(stderr, "fuzz: invariant broken: %s\n", invariant);
    std::abort();
}

}  // namespace cx::fuzz
