#pragma once
// The score report: one builder and one renderer pair, shared by `cxscore` and
// the server's score endpoint, so both print the very same numbers and JSON.
#include <optional>
#include <string>

#include "cx/scoring/integrity_summary.hpp"
#include "cx/scoring/policy.hpp"
#include "cx/scoring/questionnaire.hpp"
#include "cx/scoring/scoring.hpp"

namespace cx {

struct ReportManagement {
    std::string org;
    bool conformity_passed = false;
    int max_total = 0;
    ManagementResult result;
    GradeDecision grade;
};

struct Report {
    Questionnaire questionnaire;
    ScoringPolicy policy;
    ScoreSummary score;
    std::optional<ReportManagement> management;  // only with an assessment
    // What the chain audit (and, where keys are known, the signature checks) found;
    // a grade is reported with a warning when it is not intact.
    std::optional<IntegritySummary> integrity;
};

// Summarizes `accumulator` and, given an assessment, rates management and decides the grade.
Report make_report(const ScoreAccumulator& accumulator, const Questionnaire& questionnaire,
                   const ScoringPolicy& policy, const ManagementScheme& scheme,
                   const std::optional<Assessment>& assessment);

// One JSON object (pretty-printed, fields in a fixed order), newline-terminated.
std::string render_report_json(const Report& report);
// A readable bilingual (中文 / English) report for people.
std::string render_report_text(const Report& report);

}  // namespace cx
