#pragma once
// For tests only (`cxkiosk --dump-layout FILE`): where every touch target of
// every screen is, in window pixels, computed by the layout code the screens
// draw with, so end-to-end tests click what the kiosk shows rather than
// numbers copied from it.
#include <filesystem>
#include <string>

#include "cx/scoring/result.hpp"

namespace cx::kiosk {

// {"width":W,"height":H,"screens":{"welcome":{"start":{"x0":…,"y0":…,"x1":…,"y1":…,
// "x":centre,"y":centre},…},…},"large_screens":{…the same in large text…}}
std::string layout_json(int width, int height);

// Writes layout_json atomically (the file appears complete or not at all).
Status write_layout_dump(const std::filesystem::path& file, int width, int height);

}  // namespace cx::kiosk
