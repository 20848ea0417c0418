#include "cx/server/server_store.hpp"

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include "cx/integrity/seal.hpp"
#include "cx/server/postgres_store.hpp"
#include "cx/server/sqlite_store.hpp"

namespace cx {

std::string_view to_string(Role role) {
    switch (role) {
        case Role::Device:
            return "device";
        case Role::Viewer:
            return "viewer";
        case Role::Admin:
            return "admin";
    }
    return "device";
}

std::optional<Role> parse_role(std::string_view text) {
    for (Role role : {Role::Device, Role::Viewer, Role::Admin})
        if (to_string(role) == text) return role;
    return std::nullopt;
}

std::string_view to_string(UserRole role) {
    return role == UserRole::Certifier ? "certifier" : "viewer";
}

std::optional<UserRole> parse_user_role(std::string_view text) {
    for (UserRole role : {UserRole::Certifier, UserRole::Viewer})
        if (to_string(role) == text) return role;
    return std::nullopt;
}

Status note_uploads(std::span<const StoredRecord> batch, std::span<const RecordOutcome> outcomes,
                    const std::function<Status(const StoredRecord& of_device)>& note) {
    std::set<std::tuple<std::string_view, std::string_view, std::string_view>> noted;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (outcomes[i] == RecordOutcome::Conflict) continue;
        const auto& record = batch[i];
        if (!noted.emplace(record.org, record.site, record.device).second) continue;
        if (auto kept = note(record); !kept) return kept;
    }
    return Ok{};
}

Status count_stored_records(std::span<const StoredRecord> batch,
                            std::span<const StoredInBatch> stored,
                            const std::function<Status(const DeviceRecordsAdded&)>& add) {
    std::map<std::pair<std::string_view, std::string_view>, DeviceRecordsAdded> added;
    for (const auto& row : stored) {
        if (row.upgraded) continue;
        const auto& record = batch[row.index];
        auto& device = added[{record.org, record.device}];
        if (device.records == 0 || record.site > device.site) device.site = record.site;
        device.org = record.org;
        device.device = record.device;
        ++device.records;
    }
    for (const auto& [_, device] : added)
        if (auto kept = add(device); !kept) return kept;
    return Ok{};
}

std::vector<DeviceActivity> merge_device_sightings(DeviceSightings sightings) {
    std::map<std::string, DeviceActivity> devices;
    auto seen = [&](const std::string& device) -> DeviceActivity& {
        auto& activity = devices[device];
        activity.device = device;
        return activity;
    };
    // Lowest precedence first: a later source's site replaces an earlier one's.
    for (const auto& device : sightings.key_devices) seen(device);
    for (auto& [device, site] : sightings.token_sites) seen(device).site = std::move(site);
    for (auto& [device, records] : sightings.records) {
        auto& activity = seen(device);
        activity.site = std::move(records.site);
        activity.records = records.count;
    }
    for (auto& [device, at] : sightings.last_uploads) seen(device).last_upload_at = std::move(at);
    for (auto& beat : sightings.heartbeats) {
        auto& activity = seen(beat.device);
        activity.site = beat.site;
        activity.heartbeat = std::move(beat);
    }
    std::vector<DeviceActivity> list;
    list.reserve(devices.size());
    for (auto& [_, activity] : devices) list.push_back(std::move(activity));
    std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
        return std::tie(a.site, a.device) < std::tie(b.site, b.device);
    });
    return list;
}

StoredRecord stored_record(const Response& record) {
    return {record.id,
            record.org,
            record.site,
            record.device,
            record.seq,
            record.submitted_at,
            to_canonical_json(record),
            "[]",
            record.key,
            integrity::record_hash(record),
            record.prev_hash,
            record.status == ResponseStatus::Complete};
}

std::string_view to_string(KeyTrust trust) {
    switch (trust) {
        case KeyTrust::Admin:
            return "admin";
        case KeyTrust::Tofu:
            return "tofu";
        case KeyTrust::Enrolled:
            return "enrolled";
    }
    return "admin";
}

std::optional<KeyTrust> parse_key_trust(std::string_view text) {
    for (KeyTrust trust : {KeyTrust::Admin, KeyTrust::Tofu, KeyTrust::Enrolled})
        if (to_string(trust) == text) return trust;
    return std::nullopt;
}

Status for_each_record_with_flags(
    ServerStore& store, const ResponseQuery& query,
    const std::function<void(std::string_view canonical, std::string_view server_flags)>& visit,
    std::size_t page_size) {
    std::optional<ExportCursor> after;
    do {
        auto page = store.export_page(query, after, page_size);
        if (!page) return page.error();
        const auto& lines = page.value().lines;
        for (std::size_t i = 0; i < lines.size(); ++i)
            visit(lines[i], page.value().server_flags[i]);
        after = std::move(page.value().next);
    } while (after);
    return Ok{};
}

Result<std::optional<SavedAssessment>> latest_assessment(ServerStore& store, std::string_view org) {
    auto newest = store.assessments(org, 1);
    if (!newest) return newest.error();
    if (newest.value().empty()) return std::optional<SavedAssessment>{};
    return std::optional<SavedAssessment>{std::move(newest.value().front())};
}

Status for_each_record(ServerStore& store, const ResponseQuery& query,
                       const std::function<void(std::string_view canonical)>& visit,
                       std::size_t page_size) {
    return for_each_record_with_flags(
        store, query, [&](std::string_view canonical, std::string_view) { visit(canonical); },
        page_size);
}

Result<DbUrl> parse_db_url(std::string_view url) {
    constexpr std::string_view kSqlite = "sqlite:";
    if (url.substr(0, kSqlite.size()) == kSqlite) {
        auto path = url.substr(kSqlite.size());
        if (path.empty()) return Error{"--db sqlite:PATH needs a path"};
        return DbUrl{DbUrl::Kind::Sqlite, std::string(path)};
    }
    if (url.starts_with("postgres://") || url.starts_with("postgresql://"))
        return DbUrl{DbUrl::Kind::Postgres, std::string(url)};
    return Error{"--db must be sqlite:PATH or postgresql://USER@HOST:PORT/DB (got \"" +
                 std::string(url) + "\")"};
}

Result<std::unique_ptr<ServerStore>> open_store(std::string_view url, std::size_t connections) {
    auto parsed = parse_db_url(url);
    if (!parsed) return parsed.error();
    switch (parsed.value().kind) {
        case DbUrl::Kind::Sqlite:
            return open_sqlite_store(parsed.value().location);
        case DbUrl::Kind::Postgres:
            return open_postgres_store(parsed.value().location, connections);
    }
    return Error{"unknown database kind"};
}

}  // namespace cx
