#pragma once
// Shared by the kiosk tests: the shipped config, a temporary directory, the
// test device key, a store identity, a submission and a whole-file read.
#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cx/config/config_files.hpp"
#include "cx/kiosk/store.hpp"

namespace cx::kiosk::test {

inline const ScoringConfig& shipped_config() {
    static const auto config = load_scoring_config(CX_TEST_CONFIG_DIR);
    REQUIRE(config.ok());
    return config.value();
}

// A fresh directory under /tmp, removed with everything in it.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        path = std::filesystem::temp_directory_path() / ("cxkiosk-test-" + random_uuid());
        std::filesystem::create_directories(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

// The key of sync/seal_vectors.json, whose seed is the bytes 00 01 … 1f.
inline const integrity::SigningKey& test_key() {
    static const auto key = [] {
        std::array<unsigned char, 32> seed{};
        for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<unsigned char>(i);
        return integrity::SigningKey::from_seed(seed);
    }();
    return key;
}

// The device key of a data dir (created on first use), as cxkiosk uses it.
inline integrity::SigningKey data_dir_key(const std::filesystem::path& data_dir) {
    auto key = load_device_key(data_dir);
    REQUIRE(key.ok());
    return key.value();
}

inline const StoreIdentity kIdentity{"kiosk-01", "demo-org", "hq", "tbsc134-b1"};
inline const auto kNoon =
    std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + std::chrono::hours{12};

// Three answers (one N/A), started a minute before kNoon.
inline Submission submission(ResponseStatus status = ResponseStatus::Complete,
                             std::int64_t duration_ms = 60'000) {
    Submission s;
    s.status = status;
    s.lang = Lang::En;
    s.started_wall = kNoon - std::chrono::minutes{1};
    s.duration_ms = duration_ms;
    s.answers = {{"1.1", 5}, {"1.2", kNotApplicable}, {"7", 2}};
    return s;
}

inline std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace cx::kiosk::test
