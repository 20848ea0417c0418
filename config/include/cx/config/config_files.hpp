#pragma once
// Finds and loads the files in config/: questionnaire, scoring policy,
// management scheme. Everything that reads them goes through here.
#include <filesystem>
#include <string>

#include "cx/scoring/policy.hpp"
#include "cx/scoring/questionnaire.hpp"
#include "cx/scoring/result.hpp"

namespace cx {

struct ScoringConfig {
    std::filesystem::path dir;
    Questionnaire questionnaire;
    ScoringPolicy policy;
    ManagementScheme management;
};

// The config directory used when none is given: $CXKIOSK_CONFIG_DIR, then
// <exe>/../share/cxkiosk/config (installed), then the source tree's config/.
std::filesystem::path default_config_dir();

// Loads questionnaire.json, policy.json and management.json from `dir`; an
// error names the file and what is wrong with it.
Result<ScoringConfig> load_scoring_config(const std::filesystem::path& dir);

// Whole-file read; the error names the path and the OS reason.
Result<std::string> read_text_file(const std::filesystem::path& path);

// Directory of the running executable (/proc/self/exe).
std::filesystem::path executable_dir();

}  // namespace cx
