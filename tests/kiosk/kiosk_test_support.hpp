#pragma once
// Shared by the kiosk tests: the shipped config, and a temporary directory.
#include <catch2/catch.hpp>
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

// A whole file's bytes ("" when it cannot be read).
inline std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
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
