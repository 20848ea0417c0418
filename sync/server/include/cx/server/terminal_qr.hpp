#pragma once
// A QR code drawn with UTF-8 half blocks, two module rows per text line, for a
// terminal to show (cxserver enrol-code). Colours are set explicitly (light
// modules white, dark ones black), so it scans on dark and light terminals alike.
#include <string>
#include <string_view>

#include "cx/scoring/result.hpp"

namespace cx {

Result<std::string> terminal_qr(std::string_view text);

}  // namespace cx
