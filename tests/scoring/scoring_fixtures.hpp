#pragma once
// Shared helpers for the scoring tests: the shipped config and compact
// response builders, so every expected number can be derived by hand.
#include <unistd.h>

#include <filesystem>
#include <initializer_list>
#include <string>
#include <utility>

#include "cx/config/config_files.hpp"
#include "cx/scoring/scoring.hpp"

namespace cx::testing {

inline const ScoringConfig& shipped() {
    static const ScoringConfig config = load_scoring_config(CX_TEST_CONFIG_DIR).value();
    return config;
}

// A complete, unflagged response with the given answers (level 0 = N/A).
inline Response respondent(std::initializer_list<std::pair<const char*, int>> answers) {
    Response r;
    r.id = "00000000-0000-4000-8000-000000000001";
    r.device = "kiosk-01";
    r.org = "demo-org";
    r.site = "hq";
    r.seq = 1;
    r.questionnaire = "tbsc134-b1";
    r.started_at = "2026-11-25T09:59:10Z";
    r.submitted_at = "2026-11-25T10:00:00Z";
    r.duration_ms = 50000;
    for (const auto& [item, level] : answers) r.answers.push_back({item, level});
    canonicalize(r);
    return r;
}

// Every item of the questionnaire at `level`, except the overrides.
inline Response all_items(int level,
                          std::initializer_list<std::pair<const char*, int>> overrides = {}) {
    Response r = respondent({});
    for (const auto& item : shipped().questionnaire.items) {
        int chosen = level;
        for (const auto& [id, override_level] : overrides)
            if (item.id == id) chosen = override_level;
        r.answers.push_back({item.id, chosen});
    }
    canonicalize(r);
    return r;
}

inline mpq_class q(const char* text) {
    mpq_class value(text);
    value.canonicalize();
    return value;
}

// A directory of this test process's files under the build tree, one per
// process so ctest -j runs share nothing; removed when the process exits.
inline std::filesystem::path scratch_dir() {
    struct Directory {
        std::filesystem::path path =
            std::filesystem::path(CX_TEST_SCRATCH_DIR) / ("run-" + std::to_string(::getpid()));
        Directory() { std::filesystem::create_directories(path); }
        ~Directory() {
            std::error_code ignored;
            std::filesystem::remove_all(path, ignored);
        }
    };
    static const Directory directory;
    return directory.path;
}

}  // namespace cx::testing
