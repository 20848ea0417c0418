// Management maturity (附录3) at every band boundary, the assessment file's
// errors with their lines, and the grade decision (§5.3 as read in SCORING.md).
#include <catch2/catch.hpp>

#include "scoring_fixtures.hpp"

using namespace cx;
using namespace cx::testing;

namespace {

const ManagementScheme& scheme() {
    return shipped().management;
}

// Levels reaching exactly `total`: all at 1 gives 13 × 1 + 8 × 2 = 29, then
// raise 10-point requirements (+2 a level) and 5-point ones (+1) as needed.
Assessment with_total(int total) {
    Assessment a{"demo-org", true, std::vector<int>(scheme().requirements.size(), 1)};
    int remaining = total - 29;
    REQUIRE(remaining >= 0);
    for (int step : {2, 1})
        for (std::size_t i = 0; i < a.levels.size(); ++i)
            while (scheme().requirements[i].max_points / 5 == step && a.levels[i] < 5 &&
                   remaining >= step) {
                ++a.levels[i];
                remaining -= step;
            }
    REQUIRE(remaining == 0);
    REQUIRE(assess_management(a, scheme()).total == total);
    return a;
}

int level_at(int total) {
    return assess_management(with_total(total), scheme()).level;
}

std::string assessment_json(const std::string& levels_body, bool conformity = true) {
    return "{\n  \"org\": \"demo-org\",\n  \"conformity_passed\": " +
           std::string(conformity ? "true" : "false") + ",\n  \"levels\": {\n" + levels_body +
           "\n  }\n}\n";
}

// All 21 ids at `level`, one per line; line 5 holds "1.1".
std::string all_levels(int level) {
    std::string body;
    for (const auto& r : scheme().requirements)
        body += (body.empty() ? "" : ",\n") + ("    \"" + r.id + "\": " + std::to_string(level));
    return body;
}

}  // namespace

TEST_CASE("附录3: points are level × max / 5, total maximum 145") {
    CHECK(scheme().max_total() == 145);
    Assessment all_five{"demo-org", true, std::vector<int>(21, 5)};
    CHECK(assess_management(all_five, scheme()).total == 145);
    CHECK(assess_management(all_five, scheme()).level == 5);
    Assessment all_one{"demo-org", true, std::vector<int>(21, 1)};
    CHECK(assess_management(all_one, scheme()).total == 29);
    CHECK(assess_management(all_one, scheme()).level == 1);
}

TEST_CASE("management level bands at every boundary of 附录3") {
    CHECK(level_at(44) == 1);
    CHECK(level_at(45) == 2);
    CHECK(level_at(69) == 2);
    CHECK(level_at(70) == 3);
    CHECK(level_at(94) == 3);
    CHECK(level_at(95) == 4);
    CHECK(level_at(104) == 4);
    CHECK(level_at(105) == 5);
    CHECK(level_at(145) == 5);
    // Below 20 cannot come from valid levels (minimum 29), but the bands say level 0.
    Assessment impossible{"demo-org", true, std::vector<int>(21, 0)};
    CHECK(assess_management(impossible, scheme()).level == 0);
}

TEST_CASE("a complete assessment file parses into levels aligned with the scheme") {
    auto parsed = parse_assessment(assessment_json(all_levels(3)), scheme());
    REQUIRE(parsed.ok());
    CHECK(parsed.value().org == "demo-org");
    CHECK(parsed.value().conformity_passed);
    CHECK(parsed.value().levels == std::vector<int>(21, 3));
    CHECK(assess_management(parsed.value(), scheme()).total == 87);
}

TEST_CASE("auditor, date and notes are kept as given, a wrong type or a day that is not refused") {
    auto with = [](const std::string& fields) {
        auto text = assessment_json(all_levels(4));
        return text.insert(1, "\n" + fields + ",");  // line 2 holds the fields
    };
    auto parsed = parse_assessment(
        with(R"("auditor": "审核员 A", "date": "2026-02-28", "notes": "ok")"), scheme());
    REQUIRE(parsed.ok());
    CHECK(parsed.value().auditor == "审核员 A");
    CHECK(parsed.value().date == "2026-02-28");
    CHECK(parsed.value().notes == "ok");
    CHECK(parse_assessment(assessment_json(all_levels(4)), scheme()).value().auditor.empty());
    for (const auto* bad : {R"("auditor": 7)", R"("notes": null)", R"("date": "2026-02-30")",
                            R"("date": "30.11.2026")"}) {
        INFO(bad);
        auto refused = parse_assessment(with(bad), scheme());
        REQUIRE_FALSE(refused.ok());
        CHECK(refused.error().line == 2);
    }
}

TEST_CASE("bad assessment files are errors with the line of the offending key") {
    struct Case {
        std::string json;
        long line;
        std::string message;
    };
    auto replace = [](std::string text, const std::string& from, const std::string& to) {
        auto at = text.find(from);
        REQUIRE(at != std::string::npos);
        return text.replace(at, from.size(), to);
    };
    const auto good = assessment_json(all_levels(3));
    const std::vector<Case> cases{
        {replace(good, "\"1.2\": 3", "\"1.2\": 6"), 6, "level must be an integer 1–5 (got 6)"},
        {replace(good, "\"1.2\": 3", "\"1.2\": 0"), 6, "level must be an integer 1–5"},
        {replace(good, "\"1.2\": 3", "\"1.2\": 2.5"), 6, "level must be an integer 1–5"},
        {replace(good, "\"1.2\": 3", "\"1.2\": \"3\""), 6, "level must be an integer 1–5"},
        {replace(good, "\"1.2\": 3", "\"1.2\": null"), 6, "level must be an integer 1–5"},
        {replace(good, "\"2.1\": 3", "\"2.9\": 3"), 9, "unknown requirement \"2.9\""},
        {replace(good, "    \"7.2\": 3", "    \"7.1\": 3"), 25, "rated twice"},
        {replace(good, ",\n    \"7.2\": 3", ""), 4,
         "incomplete assessment: 1 of 21 requirements not rated (7.2)"},
        {assessment_json("    \"1.1\": 3"), 4, "20 of 21 requirements not rated"},
        {replace(good, "\"conformity_passed\": true", "\"conformity_passed\": \"yes\""), 3,
         "\"conformity_passed\" must be true or false"},
        {replace(good, "\"org\": \"demo-org\"", "\"org\": \"\""), 2, "\"org\""},
        {replace(good, "\"org\"", "\"organisation\""), 2, "unknown field \"organisation\""},
        {replace(good, "\"1.3\": 3,", "\"1.3\": 3"), 8, "invalid JSON"},
        {"[1, 2]", 1, "must be a JSON object"},
        {"", 1, "invalid JSON"},
    };
    for (const auto& c : cases) {
        INFO(c.json);
        auto parsed = parse_assessment(c.json, scheme());
        REQUIRE_FALSE(parsed.ok());
        CHECK_THAT(parsed.error().message, Catch::Contains(c.message));
        CHECK(parsed.error().line == c.line);
    }
}

TEST_CASE("grade: the highest grade whose every condition holds") {
    const auto& policy = shipped().policy;
    auto grade = [&](const char* s, int level, bool conformity = true) {
        return decide_grade(q(s), {0, level}, conformity, policy);
    };
    CHECK(grade("95", 4).grade == "AAAAA");
    CHECK(grade("95", 4).reasons.empty());
    CHECK(grade("100", 5).grade == "AAAAA");
    CHECK(grade("9499999/100000", 4).grade == "AAAA");  // 94.99999 is not 95
    CHECK(grade("90", 4).grade == "AAAA");
    CHECK(grade("95", 3).grade == "AAA");
    CHECK(grade("80", 3).grade == "AAA");
    CHECK(grade("7999999/100000", 5).grade == kNoGrade);
    CHECK(grade("100", 2).grade == kNoGrade);
}

TEST_CASE("grade: S = 92 with management level 3 gives AAA, listing what failed above it") {
    auto decision = decide_grade(q("92"), {80, 3}, true, shipped().policy);
    CHECK(decision.grade == "AAA");
    REQUIRE(decision.reasons.size() == 2);
    CHECK(decision.reasons[0].grade == "AAAAA");
    REQUIRE(decision.reasons[0].failed.size() == 2);
    CHECK(decision.reasons[0].failed[0].condition == GradeCondition::ServiceScore);
    CHECK(decision.reasons[0].failed[0].required == "≥ 95.00");
    CHECK(decision.reasons[0].failed[0].actual == "92.00");
    CHECK(decision.reasons[0].failed[1].condition == GradeCondition::ManagementLevel);
    CHECK(decision.reasons[0].failed[1].required == "≥ 4");
    CHECK(decision.reasons[0].failed[1].actual == "3");
    CHECK(decision.reasons[1].grade == "AAAA");
    REQUIRE(decision.reasons[1].failed.size() == 1);
    CHECK(decision.reasons[1].failed[0].condition == GradeCondition::ManagementLevel);
}

TEST_CASE("grade: conformity review failed gives none, with the failure under every grade") {
    auto decision = decide_grade(q("99"), {140, 5}, false, shipped().policy);
    CHECK(decision.grade == kNoGrade);
    REQUIRE(decision.reasons.size() == 3);
    for (const auto& shortfall : decision.reasons) {
        REQUIRE(shortfall.failed.size() == 1);
        CHECK(shortfall.failed[0].condition == GradeCondition::Conformity);
    }
}

TEST_CASE("grade: a score that rounds up to a threshold is shown with more digits") {
    // 79.996 would print as 80.00 next to "≥ 80.00"; the reason must not look satisfied.
    auto decision = decide_grade(q("19999/250"), {80, 3}, true, shipped().policy);
    CHECK(decision.grade == kNoGrade);
    CHECK(decision.reasons.back().failed[0].actual == "79.996000…");
    auto no_respondents = decide_grade(std::nullopt, {80, 3}, true, shipped().policy);
    CHECK(no_respondents.grade == kNoGrade);
    CHECK(no_respondents.reasons.back().failed[0].actual == "none");
}
