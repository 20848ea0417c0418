#pragma once
// Scores (SCORING.md §1–3): the streaming accumulator of respondents' scores,
// the management assessment, and the grade decision. Exact where decisions are
// made: integer sums while streaming, GMP rationals when summarizing.
#include <gmpxx.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cx/scoring/item_lookup.hpp"
#include "cx/scoring/policy.hpp"
#include "cx/scoring/questionnaire.hpp"
#include "cx/scoring/response.hpp"
#include "cx/scoring/result.hpp"

namespace cx {

// Means of per-respondent values num / (scale·den) with a small integer den
// (Σw ≤ 100): one bucket per denominator keeps `add` to integer adds and the
// mean exact. Per-bucket sums are 64-bit: exact up to ~9·10^8 respondents.
class RatioMean {
  public:
    RatioMean(int max_denominator, int scale);
    void add(std::int64_t numerator, int denominator);
    void merge(const RatioMean& other);

    std::int64_t count() const { return count_; }
    // Σ value and Σ value², exactly.
    mpq_class sum() const;
    mpq_class sum_of_squares() const;
    // Σ/count, or nullopt when nothing was added.
    std::optional<mpq_class> mean() const;

  private:
    friend class AccumulatorCodec;  // its exact state as bytes (accumulator_state.hpp)
    struct Bucket {
        std::int64_t count = 0;
        std::int64_t numerators = 0;
        std::int64_t squares = 0;
    };
    std::vector<Bucket> buckets_;  // index = denominator
    int scale_;
    std::int64_t count_ = 0;
};

// Why a response was left out of the score (SCORING.md §1, §4).
inline constexpr std::string_view kNoAnsweredItem = "no_answered_item";

struct ItemTally {
    std::array<std::int64_t, kLevels> counts{};  // answers per level, index 0 = level 1
    std::int64_t not_applicable = 0;
};

struct ItemSummary {
    std::string id;
    std::optional<double> mean_alpha;  // over answers at levels 1–5; nullopt if none
    std::array<std::int64_t, kLevels> counts{};
    std::int64_t not_applicable = 0;
};

struct CharacteristicSummary {
    std::string id;
    LocalizedText name;
    int max_points = 0;
    std::int64_t respondents = 0;      // who answered at least one of its items
    std::optional<mpq_class> percent;  // mean over those respondents, exact
};

struct ScoreSummary {
    std::int64_t respondents = 0;
    std::map<std::string, std::int64_t> excluded;  // reason → responses (one may have several)
    std::int64_t excluded_total = 0;               // responses left out, each counted once
    std::optional<mpq_class> service_score;        // S, exact; nullopt without respondents
    std::optional<double> sd;                      // sample SD; needs ≥ 2 respondents
    std::optional<std::array<double, 2>> ci95;     // t-interval of S; needs ≥ 2 respondents
    std::vector<CharacteristicSummary> characteristics;
    std::vector<ItemSummary> items;
};

// Streams responses into integer tallies; never holds a response. Mergeable,
// so several threads can each fill one and combine them.
class ScoreAccumulator {
  public:
    ScoreAccumulator(const Questionnaire& questionnaire, const ScoringPolicy& policy);

    // Applies the policy's exclusions, then adds the respondent's score. Answers
    // naming no item of this questionnaire are ignored (ResponseParser refuses them).
    // `questionnaire` and `policy` must outlive the accumulator.
    void add(const Response& response);
    void merge(const ScoreAccumulator& other);

    ScoreSummary summarize() const;
    std::int64_t respondents() const { return overall_.count(); }
    // Every response added: the respondents and those left out.
    std::int64_t responses() const { return overall_.count() + excluded_total_; }

  private:
    friend class AccumulatorCodec;  // its exact state as bytes (accumulator_state.hpp)
    // Counts `response` under each exclusion reason that applies; false if none does.
    bool excluded(const Response& response);
    void count_exclusion(std::string_view reason);

    const Questionnaire* questionnaire_;
    const ScoringPolicy* policy_;
    ItemLookup lookup_;
    std::vector<std::size_t> item_characteristic_;  // item index → characteristic index
    RatioMean overall_;                             // P_r = 100 Σwα / Σw
    std::vector<RatioMean> per_characteristic_;
    std::vector<ItemTally> items_;
    std::map<std::string, std::int64_t, std::less<>> excluded_;
    std::int64_t excluded_total_ = 0;
};

// Rounds half-up (away from zero for x.xx5, the value being ≥ 0) to `decimals`,
// returning the value × 10^decimals as an integer: 92.345 → 9235 at 2 decimals.
std::int64_t round_half_up_scaled(const mpq_class& value, int decimals);
// "92.35": a rounded value written with exactly `decimals` decimals.
std::string format_scaled(std::int64_t scaled, int decimals);

// Two-sided Student t quantile: the t with P(T ≤ t) = p for `df` degrees of freedom.
double student_t_quantile(double p, double df);
// Regularized incomplete beta I_x(a, b).
double incomplete_beta(double a, double b, double x);

// ---------------------------------------------------------------------------
// Management maturity (附录2–3)

struct Assessment {
    std::string org;
    bool conformity_passed = false;
    std::vector<int> levels;  // aligned with ManagementScheme::requirements, each 1–5
    // Who assessed, on which day, and what they noted: kept with the ratings, never
    // scored. Each "" when the file has none.
    std::string auditor = {};
    std::string date = {};  // "YYYY-MM-DD"
    std::string notes = {};
};

// {"org": "...", "conformity_passed": true, "levels": {"1.1": 3, …}, "auditor": "…",
// "date": "YYYY-MM-DD", "notes": "…"}; every requirement rated exactly once, 1–5;
// auditor, date and notes optional. Errors carry the line of the offending key.
Result<Assessment> parse_assessment(std::string_view json, const ManagementScheme& scheme);

struct ManagementResult {
    int total = 0;
    int level = 0;  // 0 = below the lowest band (below 一级)
};
ManagementResult assess_management(const Assessment& assessment, const ManagementScheme& scheme);

// ---------------------------------------------------------------------------
// Grade (§5.3)

enum class GradeCondition { ServiceScore, ManagementLevel, Conformity };
std::string_view to_string(GradeCondition condition);

struct FailedCondition {
    GradeCondition condition;
    std::string required;  // "≥ 95.00", "≥ 4", "passed"
    std::string actual;    // "92.00", "3", "failed"; "none" without respondents
};

struct GradeShortfall {
    std::string grade;
    std::vector<FailedCondition> failed;
};

struct GradeDecision {
    std::string grade;  // a rule's grade, or "none"
    // For each grade above the reached one (highest first): what failed.
    std::vector<GradeShortfall> reasons;
};

inline constexpr std::string_view kNoGrade = "none";

// The highest rule whose every condition holds; S is compared exactly.
GradeDecision decide_grade(const std::optional<mpq_class>& service_score,
                           const ManagementResult& management, bool conformity_passed,
                           const ScoringPolicy& policy);

}  // namespace cx
