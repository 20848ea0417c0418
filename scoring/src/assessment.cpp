// The auditor's management assessment file. Errors name the line of the key
// they are about, so an auditor can fix a hand-written file quickly.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "cx/scoring/json_position.hpp"
#include "cx/scoring/json_text.hpp"
#include "cx/scoring/response.hpp"
#include "cx/scoring/scoring.hpp"

namespace cx {

namespace {

struct Located {
    std::string_view text;
    std::size_t levels_at = 0;  // offset of the "levels" key, where requirement keys are searched

    Error at_key(std::string_view key, std::string message, std::size_t from = 0) const {
        return error_at_key(text, key, std::move(message), from);
    }
    Error at_requirement(std::string_view id, std::string message) const {
        return at_key(id, std::move(message), levels_at);
    }
};

// "2026-11-30": a day of the calendar, as the canonical timestamps write it.
bool is_calendar_date(const std::string& text) {
    return text.size() == 10 && parse_utc_timestamp(text + "T00:00:00Z").has_value();
}

}  // namespace

Result<Assessment> parse_assessment(std::string_view json, const ManagementScheme& scheme) {
    auto parsed = parse_json_text(json);
    if (!parsed) return parsed.error();
    const nlohmann::json& doc = parsed.value();
    Located where{json};
    if (!doc.is_object()) return Error{"an assessment must be a JSON object", 1};

    static const std::set<std::string> known{
        "org", "conformity_passed", "levels", "auditor", "date", "notes"};
    for (const auto& [key, value] : doc.items())
        if (!known.contains(key))
            return where.at_key(key,
                                "unknown field \"" + key +
                                    "\" (org, conformity_passed, levels, auditor, date, notes)");

    Assessment assessment;
    if (!doc.contains("org") || !doc["org"].is_string() || doc["org"].get<std::string>().empty())
        return where.at_key("org", "field \"org\" must be a non-empty string");
    assessment.org = doc["org"].get<std::string>();
    if (!is_valid_identifier(assessment.org))
        return where.at_key("org", "field \"org\" must be 1–64 of A–Z a–z 0–9 . _ -");
    if (!doc.contains("conformity_passed") || !doc["conformity_passed"].is_boolean())
        return where.at_key("conformity_passed",
                            "field \"conformity_passed\" must be true or false");
    assessment.conformity_passed = doc["conformity_passed"].get<bool>();
    for (auto [key, field] :
         {std::pair{"auditor", &assessment.auditor}, std::pair{"date", &assessment.date},
          std::pair{"notes", &assessment.notes}}) {
        if (!doc.contains(key)) continue;
        if (!doc[key].is_string())
            return where.at_key(key, "field \"" + std::string(key) + "\" must be a string");
        *field = doc[key].get<std::string>();
    }
    if (!assessment.date.empty() && !is_calendar_date(assessment.date))
        return where.at_key(
            "date", "field \"date\" must be a day YYYY-MM-DD (got \"" + assessment.date + "\")");
    if (!doc.contains("levels") || !doc["levels"].is_object())
        return where.at_key("levels", "field \"levels\" must be an object {\"1.1\": 3, …}");
    where.levels_at = find_key(json, "levels", 0);

    const auto& levels = doc["levels"];
    for (const auto& [id, value] : levels.items()) {
        // A named copy: lambdas may not capture structured bindings before clang 16.
        const auto& key = id;
        bool known_id = std::any_of(scheme.requirements.begin(), scheme.requirements.end(),
                                    [&](const Requirement& r) { return r.id == key; });
        if (!known_id) return where.at_requirement(id, "unknown requirement \"" + id + "\"");
        auto first = find_key(json, id, where.levels_at);
        if (find_key(json, id, first + 1) != std::string_view::npos)
            return where.at_key(id, "requirement \"" + id + "\" rated twice", first + 1);
        if (!value.is_number_integer() || value.get<long long>() < 1 || value.get<long long>() > 5)
            return where.at_requirement(id, "requirement \"" + id +
                                                "\": level must be an integer 1–5 (got " +
                                                value.dump() + ")");
    }
    std::string missing;
    for (const auto& requirement : scheme.requirements) {
        if (!levels.contains(requirement.id)) {
            missing += (missing.empty() ? "" : ", ") + requirement.id;
            continue;
        }
        assessment.levels.push_back(levels[requirement.id].get<int>());
    }
    if (!missing.empty())
        return where.at_key(
            "levels", "incomplete assessment: " +
                          std::to_string(scheme.requirements.size() - assessment.levels.size()) +
                          " of " + std::to_string(scheme.requirements.size()) +
                          " requirements not rated (" + missing + ")");
    return assessment;
}

}  // namespace cx
