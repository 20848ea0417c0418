// The one report renderer pair: every field the issue asks for, exact
// rounding in the JSON, and a bilingual text report.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cx/scoring/report.hpp"
#include "scoring_fixtures.hpp"

using namespace cx;
using namespace cx::testing;

namespace {

Report report_of(const std::vector<Response>& responses, std::optional<Assessment> assessment) {
    const auto& config = shipped();
    ScoreAccumulator accumulator(config.questionnaire, config.policy);
    for (const auto& r : responses) accumulator.add(r);
    return make_report(accumulator, config.questionnaire, config.policy, config.management,
                       assessment);
}

std::vector<Response> ninety_two_and_a_speeder() {
    // 92 and 92: S = 92; plus one excluded speeder.
    auto ninety_two = all_items(
        5, {{"1.1", 4}, {"1.2", 4}, {"1.3", 4}, {"2.1", 4}, {"2.2", 4}, {"2.3", 4}, {"7", 4}});
    auto speeder = all_items(1);
    speeder.flags = {"speeder"};
    return {ninety_two, ninety_two, speeder};
}

}  // namespace

TEST_CASE("report JSON carries every field, management and grade with an assessment") {
    Assessment level_three{"demo-org", true, std::vector<int>(21, 3)};  // 87 points → level 3
    auto json = nlohmann::json::parse(
        render_report_json(report_of(ninety_two_and_a_speeder(), level_three)));
    CHECK(json["questionnaire"] == "tbsc134-b1");
    CHECK(json["respondents"] == 2);
    CHECK(json["excluded"] == nlohmann::json{{"speeder", 1}});
    CHECK(json["excluded_total"] == 1);
    CHECK(json["service_score"] == 92.0);
    CHECK(json["service_score_exact"] == "92");
    CHECK(json["sd"] == 0.0);
    CHECK(json["ci95"] == nlohmann::json::array({92.0, 92.0}));
    REQUIRE(json["characteristics"].size() == 7);
    const auto& functionality = json["characteristics"][0];
    CHECK(functionality["id"] == "1");
    CHECK(functionality["name"]["zh"] == "功能性");
    CHECK(functionality["max"] == 17);
    CHECK(functionality["percent"] == 80.0);
    CHECK(functionality["points"] == 13.6);                 // 80 % of 17
    CHECK(json["characteristics"][2]["percent"] == 100.0);  // 3.x all at level 5
    CHECK(json["characteristics"][2]["points"] == 15.0);
    REQUIRE(json["items"].size() == 19);
    CHECK(json["items"][0]["id"] == "1.1");
    CHECK(json["items"][0]["mean_alpha"] == 0.8);
    CHECK(json["items"][0]["counts"] ==
          nlohmann::json{{"1", 0}, {"2", 0}, {"3", 0}, {"4", 2}, {"5", 0}});
    CHECK(json["items"][0]["na"] == 0);
    CHECK(json["management"]["total"] == 87);
    CHECK(json["management"]["level"] == 3);
    CHECK(json["grade"] == "AAA");
    REQUIRE(json["reasons"].size() == 2);
    CHECK(json["reasons"][0]["grade"] == "AAAAA");
    CHECK(json["reasons"][0]["failed"][0]["condition"] == "service_score");
    CHECK(json["reasons"][1]["failed"][0]["condition"] == "management_level");
    CHECK(json["policy"]["version"] == shipped().policy.version);
    CHECK(json["policy"]["alpha"]["4"] == 0.8);
}

TEST_CASE("without an assessment management, grade and reasons are null") {
    auto json = nlohmann::json::parse(
        render_report_json(report_of(ninety_two_and_a_speeder(), std::nullopt)));
    CHECK(json["management"].is_null());
    CHECK(json["grade"].is_null());
    CHECK(json["reasons"].is_null());
    CHECK(json["service_score"] == 92.0);
}

TEST_CASE("the JSON service score is rounded half-up from the exact value") {
    std::vector<Response> responses(7, all_items(4));
    responses.push_back(all_items(4, {{"1.1", 5}}));  // S = 80.125
    auto text = render_report_json(report_of(responses, std::nullopt));
    CHECK_THAT(text, Catch::Contains("\"service_score\": 80.13"));
    CHECK_THAT(text, Catch::Contains("\"service_score_exact\": \"641/8\""));
}

TEST_CASE("no respondents: a report with null score and no grade, not a crash") {
    Assessment top{"demo-org", true, std::vector<int>(21, 5)};
    auto report = report_of({}, top);
    auto json = nlohmann::json::parse(render_report_json(report));
    CHECK(json["respondents"] == 0);
    CHECK(json["service_score"].is_null());
    CHECK(json["ci95"].is_null());
    CHECK(json["grade"] == "none");
    CHECK_THAT(render_report_text(report), Catch::Contains("无 none"));
}

TEST_CASE("the text report is bilingual and names policy, score, level and grade") {
    Assessment level_three{"demo-org", true, std::vector<int>(21, 3)};
    auto text = render_report_text(report_of(ninety_two_and_a_speeder(), level_three));
    for (const char* expected :
         {"服务认证评分报告 / Service certification score report", "Policy: tbsc134-b1/",
          "Service score S: 92.00", "功能性 Functionality", "已排除 Excluded: 1 (speeder 1)",
          "87 / 145", "三级 level 3", "认证级别 Grade: AAA", "未达到 not reached AAAAA",
          "management level 3, 要求 required ≥ 4"})
        CHECK_THAT(text, Catch::Contains(expected));
}
