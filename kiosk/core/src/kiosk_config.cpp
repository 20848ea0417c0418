#include "cx/kiosk/kiosk_config.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cx/scoring/json_position.hpp"
#include "cx/scoring/response.hpp"

namespace cx::kiosk {

namespace {

using nlohmann::json;

long line_of(std::string_view text, std::size_t byte) {
    const auto end = text.begin() + static_cast<std::ptrdiff_t>(std::min(byte, text.size()));
    return 1 + std::count(text.begin(), end, '\n');
}

Result<LocalizedText> localized(const json& value, const std::string& key) {
    if (!value.is_object() || !value.contains("zh") || !value.contains("en") ||
        !value["zh"].is_string() || !value["en"].is_string()) {
        return Error{key + ": expected {\"zh\": \"…\", \"en\": \"…\"}"};
    }
    return LocalizedText{value["zh"].get<std::string>(), value["en"].get<std::string>()};
}

// {"mon": ["08:30-12:00", "13:00-17:30"], …}; an error names the line of the day
// or of the range at fault.
Result<OpeningHours> opening_hours(const json& value, std::string_view text) {
    const auto at = find_key(text, "opening_hours");
    auto fail = [&](std::string_view key, const std::string& message, std::size_t from) {
        return error_at_key(text, key, "opening_hours: " + message, from);
    };
    if (!value.is_object()) {
        return fail("opening_hours", "expected {\"mon\": [\"08:30-17:30\"], …}", 0);
    }
    OpeningHours hours;
    for (const auto& day : value.items()) {
        const auto index = day_index(day.key());
        if (!index) {
            return fail(day.key(),
                        "unknown day \"" + day.key() + "\" (mon tue wed thu fri sat sun)", at);
        }
        if (!day.value().is_array()) {
            return fail(day.key(), day.key() + ": expected a list of \"HH:MM-HH:MM\"", at);
        }
        auto& ranges = hours.days[static_cast<std::size_t>(*index)];
        for (const auto& range : day.value()) {
            if (!range.is_string()) {
                return fail(day.key(), day.key() + ": expected a list of \"HH:MM-HH:MM\"", at);
            }
            auto parsed = parse_open_range(range.get<std::string>());
            if (!parsed) {
                // At the range's own line, found after the day's key.
                const auto message = day.key() + ": " + parsed.error().message;
                const auto range_at = text.find("\"" + range.get<std::string>() + "\"",
                                                find_key(text, day.key(), at));
                if (range_at == std::string_view::npos) return fail(day.key(), message, at);
                return Error{"opening_hours: " + message, line_at(text, range_at)};
            }
            ranges.push_back(parsed.value());
        }
        if (auto apart = check_no_overlap(ranges); !apart)
            return fail(day.key(), day.key() + ": " + apart.error().message, at);
        std::sort(ranges.begin(), ranges.end(),
                  [](const OpenRange& a, const OpenRange& b) { return a.start < b.start; });
    }
    return hours;
}

}  // namespace

Result<KioskConfig> parse_kiosk_config(std::string_view text,
                                       const std::filesystem::path& base_dir) {
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::parse_error& e) {
        return Error{std::string("invalid JSON: ") + e.what(), line_of(text, e.byte)};
    } catch (const json::out_of_range& e) {  // a number too large for any type (1e999)
        return number_overflow_error(text, e.what());
    }
    if (!doc.is_object()) return Error{"expected a JSON object", 1};

    KioskConfig config;
    for (const auto& item : doc.items()) {
        // Named references, not structured bindings: clang before 16 cannot capture those.
        const auto& key = item.key();
        const auto& value = item.value();
        if (key.starts_with("_")) continue;  // comments
        auto text_field = [&](std::string& out) -> Status {
            if (!value.is_string()) return Error{key + ": expected a string"};
            out = value.get<std::string>();
            return Ok{};
        };
        auto int_field = [&](int& out, int min, int max) -> Status {
            if (!value.is_number_integer() || value.get<long long>() < min ||
                value.get<long long>() > max) {
                return Error{key + ": expected a whole number from " + std::to_string(min) +
                             " to " + std::to_string(max)};
            }
            out = value.get<int>();
            return Ok{};
        };
        Status status = Ok{};
        if (key == "org_name" || key == "invitation") {
            auto parsed = localized(value, key);
            if (!parsed) return parsed.error();
            (key == "org_name" ? config.org_name : config.invitation) = parsed.value();
        } else if (key == "device") {
            status = text_field(config.device);
        } else if (key == "org") {
            status = text_field(config.org);
        } else if (key == "site") {
            status = text_field(config.site);
        } else if (key == "server") {
            status = text_field(config.server);
        } else if (key == "token") {
            status = text_field(config.token);
        } else if (key == "data_dir" || key == "export_dir") {
            std::string dir;
            status = text_field(dir);
            (key == "data_dir" ? config.data_dir : config.export_dir) = base_dir / dir;
        } else if (key == "idle_timeout") {
            status = int_field(config.idle_timeout_s, 1, 3600);
        } else if (key == "items_per_respondent") {
            status = int_field(config.items_per_respondent, 0, 1000);
        } else if (key == "opening_hours") {
            auto parsed = opening_hours(value, text);
            if (!parsed) return parsed.error();
            config.opening_hours = std::move(parsed).value();
        } else if (key == "sync_interval") {
            status = int_field(config.sync_interval_s, 1, 86400);
        } else {
            return Error{"unknown key \"" + key + "\""};
        }
        if (!status) return status.error();
    }
    if (auto valid = validate(config); !valid) return valid.error();
    return config;
}

Status validate(const KioskConfig& config) {
    for (const auto& [name, value] :
         {std::pair<const char*, const std::string&>{"device", config.device},
          {"org", config.org},
          {"site", config.site}}) {
        if (!is_valid_identifier(value)) {
            return Error{std::string(name) + ": \"" + value +
                         "\" is not a valid identifier (1-64 of A-Z a-z 0-9 . _ -)"};
        }
    }
    if (config.idle_timeout_s < 1) return Error{"idle_timeout: must be at least 1 second"};
    if (config.items_per_respondent < 0) return Error{"items_per_respondent: must not be negative"};
    if (config.org_name.zh.empty() || config.org_name.en.empty()) {
        return Error{"org_name: both zh and en are needed"};
    }
    return Ok{};
}

}  // namespace cx::kiosk
