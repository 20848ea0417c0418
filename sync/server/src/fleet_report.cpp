#include "cx/server/fleet_report.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <map>

#include "cx/scoring/response.hpp"

namespace cx {

namespace {

using nlohmann::ordered_json;

ordered_json optional_json(const auto& value) {
    return value ? ordered_json(*value) : ordered_json(nullptr);
}

ordered_json heartbeat_json(const DeviceHeartbeat& beat) {
    const auto& h = beat.heartbeat;
    return {{"received_at", beat.received_at},
            {"version", h.version},
            {"uptime_s", h.uptime_s},
            {"waiting", h.waiting},
            {"refused", h.refused},
            {"last_activity", optional_json(h.last_activity)},
            {"free_disk_bytes", h.free_disk_bytes},
            {"clock_offset_ms", optional_json(h.clock_offset_ms)}};
}

}  // namespace

std::string_view to_string(DeviceStatus status) {
    switch (status) {
        case DeviceStatus::Ok:
            return "ok";
        case DeviceStatus::Silent:
            return "silent";
        case DeviceStatus::Attention:
            return "attention";
    }
    return "ok";
}

DeviceVerdict judge_device(const std::optional<DeviceHeartbeat>& heartbeat, const FleetRules& rules,
                           std::chrono::sys_seconds now) {
    DeviceVerdict verdict;
    if (!heartbeat) {
        verdict.status = DeviceStatus::Silent;
        return verdict;
    }
    const auto& h = heartbeat->heartbeat;
    if (h.refused > 0) verdict.reasons.emplace_back("refused");
    if (h.free_disk_bytes < rules.low_disk_bytes) verdict.reasons.emplace_back("low_disk");
    if (h.clock_offset_ms && std::llabs(*h.clock_offset_ms) > rules.clock_tolerance.count())
        verdict.reasons.emplace_back("clock");
    // The server wrote received_at itself: unreadable only if the row was damaged.
    auto received = parse_utc_timestamp(heartbeat->received_at);
    if (!received || now - *received > rules.silent_after)
        verdict.status = DeviceStatus::Silent;
    else if (!verdict.reasons.empty())
        verdict.status = DeviceStatus::Attention;
    return verdict;
}

Result<std::string> org_devices_json(ServerStore& store, std::string_view org,
                                     const FleetRules& rules, std::chrono::sys_seconds now) {
    auto activity = store.device_activity(org);
    if (!activity) return activity.error();
    auto bound = store.device_keys(org, std::nullopt);
    if (!bound) return bound.error();
    std::map<std::string, ordered_json> keys;
    for (const auto& key : bound.value())
        keys[key.device].push_back({{"key", key.key}, {"trusted", to_string(key.trusted)}});

    ordered_json devices = ordered_json::array();
    for (const auto& device : activity.value()) {
        auto verdict = judge_device(device.heartbeat, rules, now);
        auto device_keys = keys.find(device.device);
        devices.push_back(
            {{"site", device.site},
             {"device", device.device},
             {"status", to_string(verdict.status)},
             {"reasons", verdict.reasons},
             {"last_heartbeat",
              device.heartbeat ? heartbeat_json(*device.heartbeat) : ordered_json(nullptr)},
             {"last_upload", optional_json(device.last_upload_at)},
             {"records", device.records},
             {"keys", device_keys == keys.end() ? ordered_json::array() : device_keys->second}});
    }
    return ordered_json{{"silent_after_s", rules.silent_after.count()},
                        {"devices", std::move(devices)}}
        .dump();
}

}  // namespace cx
