#pragma once
// What cxserver serves from assets/, embedded at build time.
#include <string_view>

namespace cx {

inline constexpr std::string_view kStylesheetPath = "/assets/console.css";
std::string_view console_stylesheet();  // assets/console.css

}  // namespace cx
