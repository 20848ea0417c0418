#pragma once
// The kiosk store's schema versions, in order (public for migration tests): element i takes PRAGMA
// user_version i to i + 1 (cx::sqlite::migrate applies them).
#include <span>
#include <string_view>

namespace cx::kiosk {

std::span<const std::string_view> kiosk_schema_versions();

}  // namespace cx::kiosk
