#pragma once
// Durations on cxserver's command line (serve --silent-after, enrol-code --ttl).
#include <chrono>
#include <string_view>

#include "cx/scoring/result.hpp"

namespace cx {

// "90s", "30m", "2h", "1d": a whole number of seconds, minutes, hours or days (> 0, at
// most a year).
Result<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace cx
