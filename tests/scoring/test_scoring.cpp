// Scores derived by hand from the seed's tables (附录1 weights, §5.1.1 α bands,
// SCORING.md readings), exclusions, exact rounding, the t quantile, and
// property tests on seeded random data.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "scoring_fixtures.hpp"

using namespace cx;
using namespace cx::testing;

namespace {

ScoreSummary score(const std::vector<Response>& responses, const ScoringPolicy& policy) {
    ScoreAccumulator accumulator(shipped().questionnaire, policy);
    for (const auto& r : responses) accumulator.add(r);
    return accumulator.summarize();
}

ScoreSummary score(const std::vector<Response>& responses) {
    return score(responses, shipped().policy);
}

const CharacteristicSummary& characteristic(const ScoreSummary& s, const std::string& id) {
    auto it = std::find_if(s.characteristics.begin(), s.characteristics.end(),
                           [&](const auto& c) { return c.id == id; });
    REQUIRE(it != s.characteristics.end());
    return *it;
}

const ItemSummary& item(const ScoreSummary& s, const std::string& id) {
    auto it =
        std::find_if(s.items.begin(), s.items.end(), [&](const auto& i) { return i.id == id; });
    REQUIRE(it != s.items.end());
    return *it;
}

}  // namespace

TEST_CASE("default α is each band's upper bound: all 5 → 100, all 4 → 80, all 1 → 20") {
    CHECK(*score({all_items(5)}).service_score == 100);
    CHECK(*score({all_items(4)}).service_score == 80);
    CHECK(*score({all_items(3)}).service_score == 60);
    CHECK(*score({all_items(1)}).service_score == 20);
}

TEST_CASE("per-respondent score weights items by 附录1: 1.2 weighs 7, 7 weighs 8") {
    // 1.1 (w 5) at level 5 (α 1.0), 1.2 (w 7) at level 4 (α 0.8): 100 × (5 + 5.6) / 12.
    CHECK(*score({respondent({{"1.1", 5}, {"1.2", 4}})}).service_score == q("265/3"));
    // Level 4 on items weighing 40 (1.1 1.2 1.3 2.1 2.2 2.3 7), 5 elsewhere: 100 − 40 × 0.2 = 92.
    auto ninety_two = all_items(
        5, {{"1.1", 4}, {"1.2", 4}, {"1.3", 4}, {"2.1", 4}, {"2.2", 4}, {"2.3", 4}, {"7", 4}});
    CHECK(*score({ninety_two}).service_score == 92);
    // Only item 7 low: 100 − 8 × (1 − 0.2) = 93.6.
    CHECK(*score({all_items(5, {{"7", 1}})}).service_score == q("468/5"));
}

TEST_CASE("characteristic maxima and breakdowns follow 附录1") {
    auto s = score({respondent({{"1.1", 5}, {"1.2", 3}, {"7", 4}})});
    const std::vector<std::pair<std::string, int>> maxima{
        {"1", 17}, {"2", 15}, {"3", 15}, {"4", 15}, {"5", 15}, {"6", 15}, {"7", 8}};
    REQUIRE(s.characteristics.size() == maxima.size());
    for (const auto& [id, max] : maxima) CHECK(characteristic(s, id).max_points == max);
    // Characteristic 1 over answered 1.1 and 1.2: 100 × (5 × 1.0 + 7 × 0.6) / 12 = 76.67 %.
    CHECK(*characteristic(s, "1").percent == q("230/3"));
    CHECK(characteristic(s, "1").respondents == 1);
    CHECK(*characteristic(s, "7").percent == 80);
    // Nobody answered characteristic 2: no percentage rather than 0.
    CHECK_FALSE(characteristic(s, "2").percent.has_value());
    CHECK(characteristic(s, "2").respondents == 0);
    CHECK(item(s, "1.2").counts == std::array<std::int64_t, 5>{0, 0, 1, 0, 0});
    CHECK(*item(s, "1.2").mean_alpha == Approx(0.6));
    CHECK_FALSE(item(s, "2.1").mean_alpha.has_value());
}

TEST_CASE("characteristic percent is the mean over respondents who answered it") {
    // A: char 1 = 100 %, B: char 1 = 60 %, C: did not answer char 1 → mean of A and B only.
    auto s = score({respondent({{"1.1", 5}}), respondent({{"1.3", 3}}), respondent({{"7", 1}})});
    CHECK(*characteristic(s, "1").percent == 80);
    CHECK(characteristic(s, "1").respondents == 2);
    CHECK(*characteristic(s, "7").percent == 20);
}

TEST_CASE("N/A leaves the item out of that respondent's denominator") {
    auto s = score({respondent({{"1.1", 5}, {"1.2", kNotApplicable}, {"7", 5}})});
    CHECK(*s.service_score == 100);
    CHECK(item(s, "1.2").not_applicable == 1);
    CHECK(item(s, "1.2").counts == std::array<std::int64_t, 5>{});
    // All N/A is no score at all: excluded, not 0.
    auto none = score({respondent({{"1.1", kNotApplicable}, {"7", kNotApplicable}})});
    CHECK(none.respondents == 0);
    CHECK_FALSE(none.service_score.has_value());
    CHECK(none.excluded.at(std::string(kNoAnsweredItem)) == 1);
    CHECK(none.excluded_total == 1);
}

TEST_CASE("incomplete and flagged responses are excluded by default and counted per reason") {
    auto incomplete = all_items(1);
    incomplete.status = ResponseStatus::Incomplete;
    incomplete.flags = {"incomplete"};
    auto speeder = all_items(1);
    speeder.flags = {"speeder"};
    auto both = all_items(1);
    both.flags = {"burst", "speeder"};
    auto unknown_flag = all_items(3);
    unknown_flag.flags = {"reviewed"};  // not in excluded_flags: counts
    auto s = score({all_items(5), incomplete, speeder, both, unknown_flag});
    CHECK(s.respondents == 2);
    CHECK(*s.service_score == 80);  // (100 + 60) / 2
    CHECK(s.excluded_total == 3);
    CHECK(s.excluded ==
          std::map<std::string, std::int64_t>{{"incomplete", 1}, {"speeder", 2}, {"burst", 1}});

    SECTION("the policy may include incomplete and flagged responses") {
        auto policy = shipped().policy;
        policy.include_incomplete = true;
        policy.excluded_flags = {"burst"};
        auto included = score({all_items(5), incomplete, speeder, both}, policy);
        CHECK(included.respondents == 3);
        CHECK(*included.service_score == q("140/3"));  // (100 + 20 + 20) / 3
        CHECK(included.excluded == std::map<std::string, std::int64_t>{{"burst", 1}});
    }
}

TEST_CASE("a mean that is mathematically 80 is ≥ 80, where doubles give 79.999…") {
    // 100, 244/3 and 176/3: summed as doubles and divided they give 79.99999999999999.
    std::vector<Response> responses{respondent({{"1.1", 5}, {"1.2", 5}}),
                                    respondent({{"1.2", 3}, {"7", 5}}),
                                    respondent({{"1.2", 4}, {"7", 2}})};
    double naive = (100.0 + 244.0 / 3 + 176.0 / 3) / 3;
    CHECK(naive < 80.0);  // the trap this test is about
    auto s = score(responses);
    CHECK(*s.service_score == 80);
    auto grade = decide_grade(s.service_score, {90, 3}, true, shipped().policy);
    CHECK(grade.grade == "AAA");
}

TEST_CASE("rounding is half-up on the exact value") {
    CHECK(round_half_up_scaled(q("18469/200"), 2) == 9235);  // 92.345 → 92.35
    CHECK(round_half_up_scaled(q("1/200"), 2) == 1);         // 0.005 → 0.01
    CHECK(round_half_up_scaled(q("92344999/1000000"), 2) == 9234);
    CHECK(round_half_up_scaled(q("80"), 2) == 8000);
    CHECK(format_scaled(9235, 2) == "92.35");
    CHECK(format_scaled(5, 2) == "0.05");
    CHECK(format_scaled(80, 0) == "80");

    // Seven respondents at 80 and one at 81: S = 80.125 exactly, a binary-exact
    // tie that printf("%.2f") would round to even (80.12); half-up says 80.13.
    std::vector<Response> responses(7, all_items(4));
    responses.push_back(all_items(4, {{"1.1", 5}}));
    auto s = score(responses);
    CHECK(*s.service_score == q("641/8"));
    CHECK(format_scaled(round_half_up_scaled(*s.service_score, 2), 2) == "80.13");
}

TEST_CASE("sample SD and the 95 % t-interval") {
    // P = 60 and 100: mean 80, SD = √800 = 28.284, t(0.975, 1) = 12.7062.
    auto s = score({all_items(3), all_items(5)});
    REQUIRE(s.sd);
    CHECK(*s.sd == Approx(28.2842712475));
    REQUIRE(s.ci95);
    double half = 12.7062047362 * 28.2842712475 / std::sqrt(2.0);
    CHECK((*s.ci95)[0] == Approx(80 - half));
    CHECK((*s.ci95)[1] == Approx(80 + half));
    auto single = score({all_items(3)});
    CHECK_FALSE(single.sd);
    CHECK_FALSE(single.ci95);
}

TEST_CASE("Student t quantiles match published tables") {
    CHECK(student_t_quantile(0.975, 1) == Approx(12.7062047362).epsilon(1e-9));
    CHECK(student_t_quantile(0.975, 2) == Approx(4.3026527297).epsilon(1e-9));
    CHECK(student_t_quantile(0.975, 10) == Approx(2.2281388520).epsilon(1e-9));
    CHECK(student_t_quantile(0.975, 30) == Approx(2.0422724563).epsilon(1e-9));
    CHECK(student_t_quantile(0.975, 1e7) == Approx(1.9599640).epsilon(1e-6));
    CHECK(student_t_quantile(0.025, 10) == Approx(-2.2281388520).epsilon(1e-9));
    CHECK(student_t_quantile(0.5, 5) == Approx(0.0).margin(1e-12));
    CHECK(incomplete_beta(2, 3, 0.4) == Approx(0.5248).epsilon(1e-9));
}

// ---------------------------------------------------------------------------
// Properties on seeded random data

namespace {

std::vector<Response> random_responses(std::mt19937& rng, int count) {
    const auto& items = shipped().questionnaire.items;
    std::vector<Response> responses;
    for (int n = 0; n < count; ++n) {
        Response r = respondent({});
        for (const auto& it : items) {
            auto roll = rng() % 8;
            if (roll == 7) continue;  // not shown
            r.answers.push_back(
                {it.id, roll == 6 ? kNotApplicable : static_cast<int>(roll % 5) + 1});
        }
        if (rng() % 10 == 0) r.flags = {"speeder"};
        canonicalize(r);
        responses.push_back(std::move(r));
    }
    return responses;
}

}  // namespace

TEST_CASE("property: with default α every score lies in [20, 100]") {
    std::mt19937 rng(20261125);
    for (int trial = 0; trial < 200; ++trial) {
        auto responses = random_responses(rng, 1 + static_cast<int>(rng() % 5));
        for (const auto& r : responses) {
            auto single = score({r}, [] {
                auto policy = shipped().policy;
                policy.excluded_flags.clear();
                return policy;
            }());
            if (!single.service_score) continue;  // nothing answered
            CHECK(*single.service_score >= 20);
            CHECK(*single.service_score <= 100);
        }
        auto s = score(responses);
        if (s.service_score) {
            CHECK(*s.service_score >= 20);
            CHECK(*s.service_score <= 100);
        }
    }
}

TEST_CASE("property: the order of responses does not matter, and merging equals one pass") {
    std::mt19937 rng(7);
    auto responses = random_responses(rng, 500);
    auto reference = score(responses);
    for (int trial = 0; trial < 5; ++trial) {
        std::shuffle(responses.begin(), responses.end(), rng);
        auto shuffled = score(responses);
        CHECK(*shuffled.service_score == *reference.service_score);
        CHECK(shuffled.respondents == reference.respondents);
        CHECK(shuffled.excluded == reference.excluded);
        for (std::size_t i = 0; i < reference.items.size(); ++i) {
            CHECK(shuffled.items[i].counts == reference.items[i].counts);
            CHECK(shuffled.items[i].not_applicable == reference.items[i].not_applicable);
        }
        for (std::size_t c = 0; c < reference.characteristics.size(); ++c)
            CHECK(shuffled.characteristics[c].percent == reference.characteristics[c].percent);
    }
    ScoreAccumulator first(shipped().questionnaire, shipped().policy);
    ScoreAccumulator second(shipped().questionnaire, shipped().policy);
    for (std::size_t i = 0; i < responses.size(); ++i) (i < 123 ? first : second).add(responses[i]);
    first.merge(second);
    auto merged = first.summarize();
    CHECK(*merged.service_score == *reference.service_score);
    CHECK(merged.excluded_total == reference.excluded_total);
    CHECK(*merged.sd == Approx(*reference.sd));
}
