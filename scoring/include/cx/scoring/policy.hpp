#pragma once
// The scoring policy (SCORING.md §1–4) and the management scheme (附录3) as data.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cx/scoring/questionnaire.hpp"
#include "cx/scoring/result.hpp"

namespace cx {

// An exact decimal: value = units / 100. Thresholds and α are decided on these,
// never on floating point.
struct Centi {
    std::int64_t units = 0;
};

struct GradeRule {
    std::string grade;             // "AAAAA", "AAAA", "AAA", …
    Centi min_service_score;       // S >= this
    int min_management_level = 0;  // management level >= this
    bool requires_conformity = true;
};

struct ScoringPolicy {
    std::string version;
    // α per level in thousandths (level 1 at index 0); each lies in its spec band.
    std::array<int, kLevels> alpha_milli{200, 400, 600, 800, 1000};
    bool include_incomplete = false;
    std::vector<std::string> excluded_flags{"speeder", "burst", "incomplete"};
    double speeder_seconds_per_item = 1.0;
    double burst_seconds = 10.0;
    int decimals = 2;
    // Highest grade first; the result is the first rule whose every condition holds.
    std::vector<GradeRule> grade_rules;
};

struct Requirement {
    std::string id;  // "1.1" … "7.2"
    std::string name_zh;
    int max_points = 0;  // points at level 5; level L earns L × max / 5
    // The group it belongs to ("组织所处环境") and the English names: the project's
    // translation, for forms and reports; each "" when the file has none.
    std::string group_zh = {};
    std::string group_en = {};
    std::string name_en = {};
};

// What an auditor reads before rating a requirement at a level (附录2: one
// description per level, the same for every requirement).
struct MaturityLevel {
    int level = 0;                            // 1 … 5
    std::string name_zh;                      // "第一级"
    std::vector<std::string> description_zh;  // its points ①, ②, …, in order
};

struct ManagementBand {
    int level = 0;      // 1 … 5
    int min_total = 0;  // inclusive
    int max_total = 0;  // inclusive for the top band, exclusive otherwise
    bool max_inclusive = false;
};

struct ManagementScheme {
    std::vector<Requirement> requirements;
    std::vector<ManagementBand> bands;
    std::vector<MaturityLevel> maturity_levels;  // levels 1–5 in order
    int max_total() const;
};

// config/policy.json: refuses α outside its band, unknown alpha modes, grade
// rules that are not ordered from highest to lowest.
Result<ScoringPolicy> parse_policy(std::string_view json);
// config/management.json: refuses maxima not divisible by 5, bands that overlap or leave
// gaps, and maturity levels that are not 1–5 in order, each with a non-empty description.
// Errors carry the line they are about where it can be found.
Result<ManagementScheme> parse_management(std::string_view json);

}  // namespace cx
