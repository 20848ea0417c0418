// The shipped config must match the spec's tables (附录1, 附录3, SCORING.md),
// and configs that break a rule must be refused with a message.
#include <catch2/catch.hpp>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cx/config/config_files.hpp"

using namespace cx;

namespace {

ScoringConfig shipped() {
    auto config = load_scoring_config(CX_TEST_CONFIG_DIR);
    REQUIRE(config.ok());
    return std::move(config).value();
}

nlohmann::json shipped_json(const char* file) {
    auto text = read_text_file(std::filesystem::path(CX_TEST_CONFIG_DIR) / file);
    REQUIRE(text.ok());
    return nlohmann::json::parse(text.value());
}

}  // namespace

TEST_CASE("questionnaire has the 19 items of 附录1 with their weights") {
    auto q = shipped().questionnaire;
    CHECK(q.id == "tbsc134-b1");
    REQUIRE(q.items.size() == 19);
    const std::vector<std::pair<std::string, int>> expected{
        {"1.1", 5}, {"1.2", 7}, {"1.3", 5}, {"2.1", 5}, {"2.2", 5}, {"2.3", 5}, {"3.1", 5},
        {"3.2", 5}, {"3.3", 5}, {"4.1", 5}, {"4.2", 5}, {"4.3", 5}, {"5.1", 5}, {"5.2", 5},
        {"5.3", 5}, {"6.1", 5}, {"6.2", 5}, {"6.3", 5}, {"7", 8}};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        CHECK(q.items[i].id == expected[i].first);
        CHECK(q.items[i].weight == expected[i].second);
        CHECK_FALSE(q.items[i].question.zh.empty());
        CHECK_FALSE(q.items[i].question.en.empty());
    }
    CHECK(q.total_weight() == 100);
    CHECK(q.items[0].question.zh == "工作人员能否准确、完整地为您办理业务？");
}

TEST_CASE("characteristic maxima are 17, 15 ×5 and 8") {
    auto q = shipped().questionnaire;
    REQUIRE(q.characteristics.size() == 7);
    const int maxima[] = {17, 15, 15, 15, 15, 15, 8};
    for (std::size_t c = 0; c < 7; ++c) CHECK(q.characteristics[c].max_points == maxima[c]);
    CHECK(q.characteristics[0].name.zh == "功能性");
    CHECK(q.characteristics[6].name.zh == "服务规范");
}

TEST_CASE("default policy uses each band's upper bound and excludes flagged responses") {
    auto policy = shipped().policy;
    CHECK_FALSE(policy.version.empty());
    CHECK(policy.alpha_milli == std::array<int, 5>{200, 400, 600, 800, 1000});
    CHECK_FALSE(policy.include_incomplete);
    CHECK(policy.speeder_seconds_per_item == 1.0);
    CHECK(policy.burst_seconds == 10.0);
    REQUIRE(policy.grade_rules.size() == 3);
    CHECK(policy.grade_rules[0].grade == "AAAAA");
    CHECK(policy.grade_rules[0].min_service_score.units == 9500);
    CHECK(policy.grade_rules[0].min_management_level == 4);
    CHECK(policy.grade_rules[1].grade == "AAAA");
    CHECK(policy.grade_rules[1].min_service_score.units == 9000);
    CHECK(policy.grade_rules[1].min_management_level == 4);
    CHECK(policy.grade_rules[2].grade == "AAA");
    CHECK(policy.grade_rules[2].min_service_score.units == 8000);
    CHECK(policy.grade_rules[2].min_management_level == 3);
}

TEST_CASE("management scheme has 21 requirements, total 145, five bands") {
    auto m = shipped().management;
    REQUIRE(m.requirements.size() == 21);
    CHECK(m.max_total() == 145);
    REQUIRE(m.bands.size() == 5);
    const int mins[] = {20, 45, 70, 95, 105};
    for (int i = 0; i < 5; ++i) CHECK(m.bands[i].min_total == mins[i]);
    CHECK(m.bands[4].max_total == 145);
    CHECK(m.bands[4].max_inclusive);
    for (const char* ten : {"4.1", "4.2", "4.3", "5.1", "5.2", "6.1", "6.2", "6.3"}) {
        auto it = std::find_if(m.requirements.begin(), m.requirements.end(),
                               [&](const Requirement& r) { return r.id == ten; });
        REQUIRE(it != m.requirements.end());
        CHECK(it->max_points == 10);
    }
}

TEST_CASE("a questionnaire whose weights do not sum to 100 is refused") {
    auto doc = shipped_json("questionnaire.json");
    doc["items"][0]["weight"] = 6;
    auto result = parse_questionnaire(doc.dump());
    REQUIRE_FALSE(result.ok());
    CHECK_THAT(result.error().message, Catch::Contains("sum to 101"));
}

TEST_CASE("an item of an unknown characteristic is refused") {
    auto doc = shipped_json("questionnaire.json");
    doc["items"][3]["characteristic"] = "9";
    auto result = parse_questionnaire(doc.dump());
    REQUIRE_FALSE(result.ok());
    CHECK_THAT(result.error().message, Catch::Contains("unknown characteristic \"9\""));
    CHECK_THAT(result.error().message, Catch::Contains("item 2.1"));
}

TEST_CASE("α outside its spec band is refused, inside it is accepted") {
    auto doc = shipped_json("policy.json");
    doc["alpha"] = {{"mode", "explicit"},
                    {"values", {{"1", 0.1}, {"2", 0.3}, {"3", 0.4}, {"4", 0.7}, {"5", 0.9}}}};
    auto result = parse_policy(doc.dump());
    REQUIRE_FALSE(result.ok());
    CHECK_THAT(result.error().message, Catch::Contains("level 3"));
    CHECK_THAT(result.error().message, Catch::Contains("0.4 < α ≤ 0.6"));

    doc["alpha"]["values"]["3"] = 0.5;
    auto accepted = parse_policy(doc.dump());
    REQUIRE(accepted.ok());
    CHECK(accepted.value().alpha_milli == std::array<int, 5>{100, 300, 500, 700, 900});
}

TEST_CASE("midpoint α mode gives band midpoints") {
    auto doc = shipped_json("policy.json");
    doc["alpha"] = {{"mode", "midpoint"}};
    auto result = parse_policy(doc.dump());
    REQUIRE(result.ok());
    CHECK(result.value().alpha_milli == std::array<int, 5>{100, 300, 500, 700, 900});
}

TEST_CASE("grade rules out of order and unknown flags are refused") {
    auto doc = shipped_json("policy.json");
    std::swap(doc["grade_rules"][0], doc["grade_rules"][2]);
    CHECK_FALSE(parse_policy(doc.dump()).ok());

    auto flags = shipped_json("policy.json");
    flags["excluded_flags"] = {"speedr"};
    auto result = parse_policy(flags.dump());
    REQUIRE_FALSE(result.ok());
    CHECK_THAT(result.error().message, Catch::Contains("speedr"));
}

TEST_CASE("management bands with a gap are refused") {
    auto doc = shipped_json("management.json");
    doc["levels"][2]["min"] = 71;
    CHECK_FALSE(parse_management(doc.dump()).ok());
}

TEST_CASE("management.json: 附录2's level descriptions, checked with their line") {
    auto shipped = parse_management(
        read_text_file(std::filesystem::path(CX_TEST_CONFIG_DIR) / "management.json").value());
    REQUIRE(shipped.ok());
    const auto& levels = shipped.value().maturity_levels;
    REQUIRE(levels.size() == 5);
    CHECK(levels[0].name_zh == "第一级");
    CHECK(levels[1].description_zh.size() == 3);
    CHECK(levels[1].description_zh[0] ==
          "组织开始意识到服务认证的重要性，并初步建立了服务认证管理的基本框架。");
    CHECK(shipped.value().requirements[9].name_en == "Resources");
    CHECK(shipped.value().requirements[9].group_zh == "支持");

    auto empty = shipped_json("management.json");
    empty["maturity_levels"][2]["description_zh"] = nlohmann::json::array();
    const auto text = empty.dump(2);
    auto refused = parse_management(text);
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message, Catch::Contains("maturity_levels[2]"));
    // The line of the third level's "level" key in the same layout.
    auto third = text.find("\"level\": 3", text.find("\"maturity_levels\""));
    REQUIRE(third != std::string::npos);
    CHECK(refused.error().line == std::count(text.begin(), text.begin() + third, '\n') + 1);

    auto missing = shipped_json("management.json");
    missing.erase("maturity_levels");
    CHECK_FALSE(parse_management(missing.dump()).ok());
    auto out_of_order = shipped_json("management.json");
    std::swap(out_of_order["maturity_levels"][0], out_of_order["maturity_levels"][1]);
    CHECK_FALSE(parse_management(out_of_order.dump()).ok());
    auto syntax = parse_management("{\n  \"requirements\": [\n}");
    REQUIRE_FALSE(syntax.ok());
    CHECK(syntax.error().line == 3);
}

TEST_CASE("a missing config file is reported by path") {
    auto result = load_scoring_config("/nonexistent/config");
    REQUIRE_FALSE(result.ok());
    CHECK_THAT(result.error().message, Catch::Contains("/nonexistent/config/questionnaire.json"));
}
