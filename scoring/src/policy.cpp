#include "cx/scoring/policy.hpp"

#include <cmath>
#include <cstdlib>
#include <set>

#include "cx/scoring/json_position.hpp"
#include "cx/scoring/json_text.hpp"
#include "cx/scoring/response.hpp"
#include "json_config.hpp"

namespace cx {

using detail::ConfigError;
using detail::require;
using detail::require_bool;
using detail::require_integer;
using detail::require_number;
using detail::require_string;

int ManagementScheme::max_total() const {
    int total = 0;
    for (const auto& r : requirements) total += r.max_points;
    return total;
}

namespace {

// Converts a config number to an exact integer count of 1/scale, refusing
// values that would need more precision than the scale has.
std::int64_t exact_fixed(double value, int scale, const std::string& where) {
    double scaled = value * scale;
    double rounded = std::round(scaled);
    if (!std::isfinite(value) || std::fabs(scaled - rounded) > 1e-6)
        throw ConfigError(where + ": " + std::to_string(value) + " has more than " +
                          std::to_string(static_cast<int>(std::log10(scale))) + " decimals");
    return static_cast<std::int64_t>(rounded);
}

constexpr const char* kAlphaBands[kLevels] = {"0 ≤ α ≤ 0.2", "0.2 < α ≤ 0.4", "0.4 < α ≤ 0.6",
                                              "0.6 < α ≤ 0.8", "0.8 < α ≤ 1"};

// Spec §5.1.1 bands: level 1 is 0 ≤ α ≤ 0.2; level L is 0.2(L−1) < α ≤ 0.2L.
bool alpha_in_band(int level, int alpha_milli) {
    int upper = 200 * level;
    int lower = 200 * (level - 1);
    return alpha_milli <= upper && (level == 1 ? alpha_milli >= 0 : alpha_milli > lower);
}

std::array<int, kLevels> parse_alpha(const nlohmann::json& alpha) {
    auto mode = require_string(alpha, "mode", "policy.alpha");
    std::array<int, kLevels> result{};
    for (int level = 1; level <= kLevels; ++level) {
        if (mode == "upper_bound") {
            result[level - 1] = 200 * level;
        } else if (mode == "midpoint") {
            result[level - 1] = 200 * level - 100;
        } else if (mode == "explicit") {
            const auto& values = require(alpha, "values", "policy.alpha");
            std::string where = "policy.alpha.values";
            auto key = std::to_string(level);
            double value = require_number(values, key.c_str(), where);
            result[level - 1] = static_cast<int>(exact_fixed(value, 1000, where + "." + key));
        } else {
            throw ConfigError("policy.alpha: unknown mode \"" + mode +
                              "\" (upper_bound, midpoint or explicit)");
        }
        if (!alpha_in_band(level, result[level - 1]))
            throw ConfigError("policy.alpha: level " + std::to_string(level) +
                              " α = " + std::to_string(result[level - 1] / 1000.0) +
                              " lies outside its spec band " + kAlphaBands[level - 1]);
    }
    return result;
}

ScoringPolicy parse_policy_doc(const nlohmann::json& doc) {
    ScoringPolicy policy;
    policy.version = require_string(doc, "version", "policy");
    policy.alpha_milli = parse_alpha(require(doc, "alpha", "policy"));
    policy.include_incomplete = require_bool(doc, "include_incomplete", "policy");

    const auto& flags = require(doc, "excluded_flags", "policy");
    if (!flags.is_array()) throw ConfigError("policy: \"excluded_flags\" must be an array");
    policy.excluded_flags.clear();
    for (const auto& flag : flags) {
        if (!flag.is_string() || !is_known_flag(flag.get<std::string>()))
            throw ConfigError("policy.excluded_flags: unknown flag " + flag.dump() +
                              " (speeder, burst or incomplete)");
        policy.excluded_flags.push_back(flag.get<std::string>());
    }

    const auto& thresholds = require(doc, "flags", "policy");
    policy.speeder_seconds_per_item =
        require_number(thresholds, "speeder_seconds_per_item", "policy.flags");
    policy.burst_seconds = require_number(thresholds, "burst_seconds", "policy.flags");
    if (policy.speeder_seconds_per_item < 0 || policy.burst_seconds < 0)
        throw ConfigError("policy.flags: thresholds must not be negative");

    const auto& rounding = require(doc, "rounding", "policy");
    auto decimals = require_integer(rounding, "decimals", "policy.rounding");
    if (decimals < 0 || decimals > 2)
        throw ConfigError("policy.rounding: decimals must be 0, 1 or 2");
    policy.decimals = static_cast<int>(decimals);
    if (require_string(rounding, "mode", "policy.rounding") != "half_up")
        throw ConfigError("policy.rounding: only mode \"half_up\" is defined");

    const auto& rules = require(doc, "grade_rules", "policy");
    if (!rules.is_array() || rules.empty())
        throw ConfigError("policy: \"grade_rules\" must be a non-empty array");
    for (const auto& r : rules) {
        std::string where = "policy.grade_rules[" + std::to_string(policy.grade_rules.size()) + "]";
        GradeRule rule;
        rule.grade = require_string(r, "grade", where);
        rule.min_service_score = {
            exact_fixed(require_number(r, "min_service_score", where), 100, where)};
        rule.min_management_level =
            static_cast<int>(require_integer(r, "min_management_level", where));
        rule.requires_conformity = require_bool(r, "requires_conformity", where);
        if (rule.min_service_score.units < 0 || rule.min_service_score.units > 10000)
            throw ConfigError(where + ": min_service_score must be 0…100");
        if (rule.min_management_level < 0 || rule.min_management_level > 5)
            throw ConfigError(where + ": min_management_level must be 0…5");
        if (!policy.grade_rules.empty() &&
            rule.min_service_score.units > policy.grade_rules.back().min_service_score.units)
            throw ConfigError(where + ": grade rules must be listed from the highest grade down");
        policy.grade_rules.push_back(std::move(rule));
    }
    return policy;
}

std::vector<MaturityLevel> parse_maturity_levels(const nlohmann::json& doc) {
    const auto& levels = require(doc, "maturity_levels", "management");
    if (!levels.is_array() || levels.size() != static_cast<std::size_t>(kLevels))
        throw ConfigError("management: \"maturity_levels\" must list the " +
                          std::to_string(kLevels) + " levels of 附录2");
    std::vector<MaturityLevel> parsed;
    for (std::size_t i = 0; i < levels.size(); ++i) {
        std::string where = "management.maturity_levels[" + std::to_string(i) + "]";
        MaturityLevel level{static_cast<int>(require_integer(levels[i], "level", where)),
                            require_string(levels[i], "name_zh", where),
                            {}};
        if (level.level != static_cast<int>(i + 1))
            throw ConfigError(where + ": levels must be listed 1, 2, … in order");
        const auto& points = require(levels[i], "description_zh", where);
        if (!points.is_array() || points.empty())
            throw ConfigError(where + ": \"description_zh\" must be a non-empty array of texts");
        for (const auto& point : points) {
            if (!point.is_string() || point.get<std::string>().empty())
                throw ConfigError(where + ": each point of \"description_zh\" must be a text");
            level.description_zh.push_back(point.get<std::string>());
        }
        parsed.push_back(std::move(level));
    }
    return parsed;
}

ManagementScheme parse_management_doc(const nlohmann::json& doc) {
    ManagementScheme scheme;
    const auto& requirements = require(doc, "requirements", "management");
    if (!requirements.is_array() || requirements.empty())
        throw ConfigError("management: \"requirements\" must be a non-empty array");
    std::set<std::string> ids;
    for (const auto& r : requirements) {
        std::string where =
            "management.requirements[" + std::to_string(scheme.requirements.size()) + "]";
        Requirement requirement{require_string(r, "id", where), require_string(r, "name_zh", where),
                                static_cast<int>(require_integer(r, "max", where))};
        for (auto [key, field] : {std::pair{"group_zh", &requirement.group_zh},
                                  std::pair{"group_en", &requirement.group_en},
                                  std::pair{"name_en", &requirement.name_en}})
            if (r.contains(key)) *field = require_string(r, key, where);
        if (requirement.max_points <= 0 || requirement.max_points % kLevels != 0)
            throw ConfigError(where + ": max must be a positive multiple of 5");
        if (!ids.insert(requirement.id).second)
            throw ConfigError(where + ": duplicate requirement id \"" + requirement.id + "\"");
        scheme.requirements.push_back(std::move(requirement));
    }
    const auto& levels = require(doc, "levels", "management");
    if (!levels.is_array() || levels.empty())
        throw ConfigError("management: \"levels\" must be a non-empty array");
    for (std::size_t i = 0; i < levels.size(); ++i) {
        std::string where = "management.levels[" + std::to_string(i) + "]";
        ManagementBand band;
        band.level = static_cast<int>(require_integer(levels[i], "level", where));
        band.min_total = static_cast<int>(require_integer(levels[i], "min", where));
        bool last = i + 1 == levels.size();
        band.max_inclusive = last;
        band.max_total =
            static_cast<int>(require_integer(levels[i], last ? "max" : "below", where));
        if (band.level != static_cast<int>(i + 1))
            throw ConfigError(where + ": levels must be listed 1, 2, … in order");
        if (band.max_total <= band.min_total) throw ConfigError(where + ": empty range");
        if (!scheme.bands.empty() && scheme.bands.back().max_total != band.min_total)
            throw ConfigError(where + ": must start where the previous level ends");
        scheme.bands.push_back(band);
    }
    if (scheme.bands.back().max_total != scheme.max_total())
        throw ConfigError("management: the top level must end at the total maximum " +
                          std::to_string(scheme.max_total()));
    scheme.maturity_levels = parse_maturity_levels(doc);
    return scheme;
}

// Where an error about management.json is: the line of the element of
// "maturity_levels" its message names ("management.maturity_levels[2]…"), else 0.
long management_error_line(std::string_view text, const std::string& message) {
    constexpr std::string_view kPrefix = "management.maturity_levels[";
    if (!message.starts_with(kPrefix)) return 0;
    auto index = std::strtoul(message.c_str() + kPrefix.size(), nullptr, 10);
    auto at = find_key(text, "maturity_levels");
    // Each element begins with its "level" key (the shipped file's layout); failing
    // that, the array's line.
    auto element = at;
    for (unsigned long i = 0; element != std::string_view::npos && i <= index; ++i)
        element = find_key(text, "level", element + 1);
    if (element != std::string_view::npos) at = element;
    return at == std::string_view::npos ? 0 : line_at(text, at);
}

}  // namespace

Result<ScoringPolicy> parse_policy(std::string_view json) {
    try {
        return parse_policy_doc(detail::parse_document(json));
    } catch (const std::exception& e) {
        return Error{e.what()};
    }
}

Result<ManagementScheme> parse_management(std::string_view json) {
    auto doc = parse_json_text(json);
    if (!doc) return doc.error();
    try {
        return parse_management_doc(doc.value());
    } catch (const std::exception& e) {
        auto line = management_error_line(json, e.what());
        return Error{(line > 0 ? "line " + std::to_string(line) + ": " : "") + e.what(), line};
    }
}

}  // namespace cx
