#pragma once
// Timestamps the store writes: canonical UTC text to the second.
#include <chrono>
#include <string>

#include "cx/scoring/response.hpp"

namespace cx::kiosk {

inline std::string utc_text(std::chrono::system_clock::time_point at) {
    return format_utc_timestamp(std::chrono::floor<std::chrono::seconds>(at));
}

inline std::string utc_now_text() {
    return utc_text(std::chrono::system_clock::now());
}

}  // namespace cx::kiosk
