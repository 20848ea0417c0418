#pragma once
// The body of GET /api/v1/orgs/{org}/devices (sync/PROTOCOL.md): every device the
// server knows for an org with its latest heartbeat, last upload, record count, keys
// and a status a certifier can act on — `silent` (no heartbeat for too long: unplugged,
// offline), `attention` (refusals, a nearly full disk, a clock that is off) or `ok`.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cx/server/server_store.hpp"

namespace cx {

struct FleetRules {
    // No heartbeat for longer than this (or never one): silent (`cxserver serve --silent-after`).
    std::chrono::seconds silent_after{30 * 60};
    // Free disk in the kiosk's data dir below this: attention "low_disk".
    std::int64_t low_disk_bytes = std::int64_t{512} << 20;
    // |kiosk clock − server clock| above this: attention "clock".
    std::chrono::milliseconds clock_tolerance{120'000};
};

enum class DeviceStatus { Ok, Silent, Attention };
std::string_view to_string(DeviceStatus status);  // "ok", "silent", "attention"

struct DeviceVerdict {
    DeviceStatus status = DeviceStatus::Ok;
    std::vector<std::string> reasons;  // "refused", "low_disk", "clock", in that order
};

// What the rules say of a device whose latest heartbeat is `heartbeat` at `now`.
// The reasons come from the latest heartbeat even when the device is silent.
DeviceVerdict judge_device(const std::optional<DeviceHeartbeat>& heartbeat, const FleetRules& rules,
                           std::chrono::sys_seconds now);

Result<std::string> org_devices_json(ServerStore& store, std::string_view org,
                                     const FleetRules& rules, std::chrono::sys_seconds now);

}  // namespace cx
