#include "cx/server/assessments.hpp"

#include <nlohmann/json.hpp>

#include "cx/scoring/json_position.hpp"

namespace cx {

namespace {

using Json = nlohmann::ordered_json;

// {"1.1": 3, …} in the scheme's order.
Json levels_json(const std::vector<int>& levels, const ManagementScheme& scheme) {
    Json out = Json::object();
    for (std::size_t i = 0; i < levels.size() && i < scheme.requirements.size(); ++i)
        out[scheme.requirements[i].id] = levels[i];
    return out;
}

Json saved_json(const SavedAssessment& saved, const ManagementScheme& scheme, bool with_document) {
    Json out;
    out["id"] = saved.id;
    out["org"] = saved.org;
    out["saved_by"] = saved.saved_by;
    out["saved_at"] = saved.saved_at;
    out["auditor"] = saved.auditor;
    out["date"] = saved.assessed_on;
    out["notes"] = saved.notes;
    out["conformity_passed"] = saved.conformity_passed;
    // The levels as saved; management rated with today's scheme, as the score does.
    auto levels = Json::parse(saved.levels, nullptr, false);
    out["levels"] = levels;
    Assessment rated{saved.org, saved.conformity_passed, {}};
    for (const auto& requirement : scheme.requirements)
        if (levels.is_object() && levels.contains(requirement.id) &&
            levels[requirement.id].is_number_integer())
            rated.levels.push_back(levels[requirement.id].get<int>());
    if (rated.levels.size() == scheme.requirements.size()) {
        auto management = assess_management(rated, scheme);
        out["management"] = {
            {"total", management.total}, {"max", scheme.max_total()}, {"level", management.level}};
    } else {
        out["management"] = nullptr;  // saved under a scheme with other requirements
    }
    if (with_document) out["document"] = saved.document;
    return out;
}

}  // namespace

Actor token_actor(const TokenGrant& grant) {
    return {std::string(to_string(grant.role)) + " token " + std::to_string(grant.id), grant.org};
}

Result<Assessment> check_assessment(std::string_view document, std::string_view org,
                                    const ManagementScheme& scheme) {
    auto parsed = parse_assessment(document, scheme);
    if (!parsed) return parsed.error();
    if (parsed.value().org != org)
        return error_at_key(document, "org",
                            "field \"org\" is \"" + parsed.value().org +
                                "\": this is the assessment endpoint of org \"" + std::string(org) +
                                "\"");
    return parsed;
}

SavedAssessment saved_assessment(const Assessment& assessment, std::string_view document,
                                 const Actor& actor, std::string_view saved_at,
                                 const ManagementScheme& scheme) {
    return {0,
            assessment.org,
            actor.name,
            std::string(saved_at),
            std::string(document),
            assessment.conformity_passed,
            levels_json(assessment.levels, scheme).dump(),
            assessment.auditor,
            assessment.date,
            assessment.notes};
}

Result<std::optional<Assessment>> current_assessment(ServerStore& store, std::string_view org,
                                                     const ManagementScheme& scheme) {
    auto latest = latest_assessment(store, org);
    if (!latest) return latest.error();
    if (!latest.value()) return std::optional<Assessment>{};
    auto parsed = parse_assessment(latest.value()->document, scheme);
    if (!parsed)
        return make_error(ErrorKind::Invalid,
                          "the current assessment of org \"" + std::string(org) + "\" (id " +
                              std::to_string(latest.value()->id) +
                              ") does not fit config/management.json any more: " +
                              parsed.error().message + "; save a new one");
    return std::optional<Assessment>{std::move(parsed).value()};
}

std::string assessment_json(const SavedAssessment& saved, const ManagementScheme& scheme,
                            bool with_document) {
    return saved_json(saved, scheme, with_document).dump(2) + "\n";
}

std::string assessment_history_json(std::string_view org,
                                    const std::vector<SavedAssessment>& history,
                                    const ManagementScheme& scheme) {
    Json list = Json::array();
    for (const auto& saved : history) list.push_back(saved_json(saved, scheme, false));
    Json out;
    out["org"] = org;
    out["assessments"] = std::move(list);
    return out.dump(2) + "\n";
}

std::string management_scheme_json(const ManagementScheme& scheme) {
    Json levels = Json::array();
    for (const auto& level : scheme.maturity_levels)
        levels.push_back({{"level", level.level},
                          {"name_zh", level.name_zh},
                          {"description_zh", level.description_zh}});
    Json requirements = Json::array();
    for (const auto& requirement : scheme.requirements)
        requirements.push_back({{"id", requirement.id},
                                {"group_zh", requirement.group_zh},
                                {"group_en", requirement.group_en},
                                {"name_zh", requirement.name_zh},
                                {"name_en", requirement.name_en},
                                {"max", requirement.max_points}});
    Json bands = Json::array();
    for (const auto& band : scheme.bands)
        bands.push_back({{"level", band.level},
                         {"min", band.min_total},
                         {band.max_inclusive ? "max" : "below", band.max_total}});
    Json out;
    out["max"] = scheme.max_total();
    out["maturity_levels"] = std::move(levels);
    out["requirements"] = std::move(requirements);
    out["bands"] = std::move(bands);
    return out.dump(2) + "\n";
}

}  // namespace cx
