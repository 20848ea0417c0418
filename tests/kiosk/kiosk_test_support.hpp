#pragma once
// Shared by the kiosk tests: the shipped config, and a temporary directory.
#include <catch2/catch.hpp>
#include <filesystem>

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

}  // namespace cx::kiosk::test
