#pragma once
// The kiosk's own settings (config/kiosk.example.json), overridable by flags.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "cx/kiosk/opening_hours.hpp"
#include "cx/scoring/questionnaire.hpp"
#include "cx/scoring/result.hpp"

namespace cx::kiosk {

struct KioskConfig {
    LocalizedText org_name{"服务体验评价", "Service feedback"};
    LocalizedText invitation{"请为我们今天的服务评分，只需一分钟",
                             "Please rate our service today — it takes a minute"};
    std::string device = "kiosk-01";
    std::string org = "demo-org";
    std::string site = "hq";
    std::filesystem::path data_dir = "data";
    std::filesystem::path export_dir;  // staff export target besides removable media; empty: none
    int idle_timeout_s = 45;
    int items_per_respondent = 0;  // 0: every item
    std::string server;            // upload URL; empty: offline only
    std::string token;
    int sync_interval_s = 300;
    // Outside these hours the kiosk shows the closed screen; nullopt: always open.
    std::optional<OpeningHours> opening_hours;
};

// Parses the JSON text; an error names the key, or the line of a syntax error.
// Relative data_dir / export_dir are resolved against `base_dir` (the config file's folder).
Result<KioskConfig> parse_kiosk_config(std::string_view json,
                                       const std::filesystem::path& base_dir);

// Checks the values however they were given (file or flags).
Status validate(const KioskConfig& config);

}  // namespace cx::kiosk
