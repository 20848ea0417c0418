#include "cx/scoring/scoring.hpp"

#include <algorithm>
#include <cmath>

namespace cx {

// ---------------------------------------------------------------------------
// RatioMean

RatioMean::RatioMean(int max_denominator, int scale)
    : buckets_(static_cast<std::size_t>(max_denominator) + 1), scale_(scale) {}

void RatioMean::add(std::int64_t numerator, int denominator) {
    auto& bucket = buckets_[static_cast<std::size_t>(denominator)];
    ++bucket.count;
    bucket.numerators += numerator;
    bucket.squares += numerator * numerator;
    ++count_;
}

void RatioMean::merge(const RatioMean& other) {
    for (std::size_t d = 0; d < buckets_.size(); ++d) {
        buckets_[d].count += other.buckets_[d].count;
        buckets_[d].numerators += other.buckets_[d].numerators;
        buckets_[d].squares += other.buckets_[d].squares;
    }
    count_ += other.count_;
}

namespace {

mpq_class exact(std::int64_t value) {
    // Through a decimal string: mpq_class has no portable int64 constructor.
    return mpq_class(std::to_string(value));
}

}  // namespace

mpq_class RatioMean::sum() const {
    mpq_class total = 0;
    for (std::size_t d = 1; d < buckets_.size(); ++d)
        if (buckets_[d].count)
            total += exact(buckets_[d].numerators) / mpq_class(static_cast<long>(d) * scale_);
    total.canonicalize();
    return total;
}

mpq_class RatioMean::sum_of_squares() const {
    mpq_class total = 0;
    for (std::size_t d = 1; d < buckets_.size(); ++d) {
        if (!buckets_[d].count) continue;
        mpq_class denominator = static_cast<long>(d) * scale_;
        total += exact(buckets_[d].squares) / (denominator * denominator);
    }
    total.canonicalize();
    return total;
}

std::optional<mpq_class> RatioMean::mean() const {
    if (count_ == 0) return std::nullopt;
    mpq_class result = sum() / exact(count_);
    result.canonicalize();
    return result;
}

// ---------------------------------------------------------------------------
// ScoreAccumulator

namespace {

// P_r = 100 Σwα / Σw with α in thousandths is Σw·α_milli / (10 Σw).
constexpr int kPercentScale = 10;

}  // namespace

ScoreAccumulator::ScoreAccumulator(const Questionnaire& questionnaire, const ScoringPolicy& policy)
    : questionnaire_(&questionnaire),
      policy_(&policy),
      lookup_(questionnaire),
      overall_(questionnaire.total_weight(), kPercentScale),
      items_(questionnaire.items.size()) {
    for (const auto& item : questionnaire.items)
        item_characteristic_.push_back(*questionnaire.characteristic_index(item.characteristic));
    for (const auto& characteristic : questionnaire.characteristics)
        per_characteristic_.emplace_back(characteristic.max_points, kPercentScale);
}

void ScoreAccumulator::count_exclusion(std::string_view reason) {
    auto it = excluded_.find(reason);
    if (it == excluded_.end()) it = excluded_.emplace(std::string(reason), 0).first;
    ++it->second;
}

bool ScoreAccumulator::excluded(const Response& response) {
    bool any = false;
    bool incomplete_counted = false;
    if (response.status == ResponseStatus::Incomplete && !policy_->include_incomplete) {
        count_exclusion("incomplete");
        any = incomplete_counted = true;
    }
    for (const auto& flag : response.flags) {
        if (std::find(policy_->excluded_flags.begin(), policy_->excluded_flags.end(), flag) ==
            policy_->excluded_flags.end())
            continue;
        // The status and the flag both say "incomplete": one reason, counted once.
        if (flag == "incomplete" && incomplete_counted) continue;
        count_exclusion(flag);
        any = true;
    }
    if (!any && std::none_of(response.answers.begin(), response.answers.end(),
                             [](const Answer& a) { return a.level != kNotApplicable; })) {
        count_exclusion(kNoAnsweredItem);
        any = true;
    }
    return any;
}

void ScoreAccumulator::add(const Response& response) {
    if (excluded(response)) {
        ++excluded_total_;
        return;
    }
    struct Sums {
        std::int64_t weighted_alpha;
        int weight;
    };
    // Questionnaires have few characteristics; only theirs are zeroed, as this runs for
    // every respondent.
    std::array<Sums, 32> by_characteristic;
    std::fill_n(by_characteristic.begin(), per_characteristic_.size(), Sums{0, 0});
    Sums total{0, 0};
    std::size_t hint = 0;
    for (const auto& answer : response.answers) {
        auto index = lookup_.find(answer.item, hint);
        if (index == ItemLookup::kNotFound) continue;
        hint = index + 1;
        auto& tally = items_[index];
        if (answer.level == kNotApplicable) {
            ++tally.not_applicable;
            continue;
        }
        ++tally.counts[static_cast<std::size_t>(answer.level - 1)];
        int weight = questionnaire_->items[index].weight;
        std::int64_t weighted = std::int64_t{weight} * policy_->alpha_milli[answer.level - 1];
        auto& characteristic = by_characteristic[item_characteristic_[index]];
        characteristic.weighted_alpha += weighted;
        characteristic.weight += weight;
        total.weighted_alpha += weighted;
        total.weight += weight;
    }
    overall_.add(total.weighted_alpha, total.weight);
    for (std::size_t c = 0; c < per_characteristic_.size(); ++c)
        if (by_characteristic[c].weight)
            per_characteristic_[c].add(by_characteristic[c].weighted_alpha,
                                       by_characteristic[c].weight);
}

void ScoreAccumulator::merge(const ScoreAccumulator& other) {
    overall_.merge(other.overall_);
    for (std::size_t c = 0; c < per_characteristic_.size(); ++c)
        per_characteristic_[c].merge(other.per_characteristic_[c]);
    for (std::size_t i = 0; i < items_.size(); ++i) {
        for (std::size_t l = 0; l < kLevels; ++l) items_[i].counts[l] += other.items_[i].counts[l];
        items_[i].not_applicable += other.items_[i].not_applicable;
    }
    for (const auto& [reason, count] : other.excluded_) excluded_[reason] += count;
    excluded_total_ += other.excluded_total_;
}

ScoreSummary ScoreAccumulator::summarize() const {
    ScoreSummary summary;
    summary.respondents = overall_.count();
    summary.excluded.insert(excluded_.begin(), excluded_.end());
    summary.excluded_total = excluded_total_;
    summary.service_score = overall_.mean();

    if (summary.respondents >= 2) {
        mpq_class n = exact(summary.respondents);
        mpq_class sum = overall_.sum();
        mpq_class variance = (overall_.sum_of_squares() - sum * sum / n) / (n - 1);
        double sd = std::sqrt(std::max(0.0, variance.get_d()));
        double t = student_t_quantile(0.975, static_cast<double>(summary.respondents - 1));
        double half_width = t * sd / std::sqrt(static_cast<double>(summary.respondents));
        double mean = summary.service_score->get_d();
        summary.sd = sd;
        summary.ci95 = std::array<double, 2>{mean - half_width, mean + half_width};
    }

    for (std::size_t c = 0; c < questionnaire_->characteristics.size(); ++c) {
        const auto& characteristic = questionnaire_->characteristics[c];
        summary.characteristics.push_back(
            {characteristic.id, characteristic.name, characteristic.max_points,
             per_characteristic_[c].count(), per_characteristic_[c].mean()});
    }

    for (std::size_t i = 0; i < items_.size(); ++i) {
        ItemSummary item{questionnaire_->items[i].id, std::nullopt, items_[i].counts,
                         items_[i].not_applicable};
        std::int64_t answered = 0;
        double alpha_sum = 0;
        for (std::size_t l = 0; l < kLevels; ++l) {
            answered += item.counts[l];
            alpha_sum += static_cast<double>(item.counts[l]) * policy_->alpha_milli[l];
        }
        if (answered) item.mean_alpha = alpha_sum / 1000.0 / static_cast<double>(answered);
        summary.items.push_back(std::move(item));
    }
    return summary;
}

// ---------------------------------------------------------------------------
// Rounding

std::int64_t round_half_up_scaled(const mpq_class& value, int decimals) {
    mpz_class scale = 1;
    for (int i = 0; i < decimals; ++i) scale *= 10;
    mpq_class shifted = value * scale + mpq_class(1, 2);
    mpz_class floored;
    mpz_fdiv_q(floored.get_mpz_t(), shifted.get_num_mpz_t(), shifted.get_den_mpz_t());
    return std::stoll(floored.get_str());
}

std::string format_scaled(std::int64_t scaled, int decimals) {
    bool negative = scaled < 0;
    auto digits = std::to_string(negative ? -scaled : scaled);
    if (decimals > 0) {
        if (digits.size() <= static_cast<std::size_t>(decimals))
            digits.insert(0, static_cast<std::size_t>(decimals) + 1 - digits.size(), '0');
        digits.insert(digits.size() - static_cast<std::size_t>(decimals), ".");
    }
    return negative ? "-" + digits : digits;
}

// ---------------------------------------------------------------------------
// Management and grade

ManagementResult assess_management(const Assessment& assessment, const ManagementScheme& scheme) {
    ManagementResult result;
    // parse_assessment guarantees one level per requirement; a hand-built one may not.
    auto rated = std::min(assessment.levels.size(), scheme.requirements.size());
    for (std::size_t i = 0; i < rated; ++i)
        result.total += assessment.levels[i] * (scheme.requirements[i].max_points / kLevels);
    for (const auto& band : scheme.bands) {
        bool below_max =
            band.max_inclusive ? result.total <= band.max_total : result.total < band.max_total;
        if (result.total >= band.min_total && below_max) result.level = band.level;
    }
    return result;
}

std::string_view to_string(GradeCondition condition) {
    switch (condition) {
        case GradeCondition::ServiceScore:
            return "service_score";
        case GradeCondition::ManagementLevel:
            return "management_level";
        case GradeCondition::Conformity:
            return "conformity";
    }
    return "";
}

namespace {

// S as shown beside a threshold it failed: 2 decimals, unless rounding would
// make it look as if it had reached the threshold (79.996 is not "80.00").
std::string describe_failed_score(const mpq_class& score, const Centi& threshold) {
    auto rounded = round_half_up_scaled(score, 2);
    if (rounded < threshold.units) return format_scaled(rounded, 2);
    mpq_class shifted = score * 1000000;
    mpz_class truncated;
    mpz_fdiv_q(truncated.get_mpz_t(), shifted.get_num_mpz_t(), shifted.get_den_mpz_t());
    return format_scaled(std::stoll(truncated.get_str()), 6) + "…";
}

}  // namespace

GradeDecision decide_grade(const std::optional<mpq_class>& service_score,
                           const ManagementResult& management, bool conformity_passed,
                           const ScoringPolicy& policy) {
    GradeDecision decision{std::string(kNoGrade), {}};
    for (const auto& rule : policy.grade_rules) {
        GradeShortfall shortfall{rule.grade, {}};
        mpq_class threshold(std::to_string(rule.min_service_score.units) + "/100");
        threshold.canonicalize();
        if (!service_score)
            shortfall.failed.push_back({GradeCondition::ServiceScore,
                                        "≥ " + format_scaled(rule.min_service_score.units, 2),
                                        "none"});
        else if (*service_score < threshold)
            shortfall.failed.push_back(
                {GradeCondition::ServiceScore,
                 "≥ " + format_scaled(rule.min_service_score.units, 2),
                 describe_failed_score(*service_score, rule.min_service_score)});
        if (management.level < rule.min_management_level)
            shortfall.failed.push_back({GradeCondition::ManagementLevel,
                                        "≥ " + std::to_string(rule.min_management_level),
                                        std::to_string(management.level)});
        if (rule.requires_conformity && !conformity_passed)
            shortfall.failed.push_back({GradeCondition::Conformity, "passed", "failed"});
        if (shortfall.failed.empty()) {
            decision.grade = rule.grade;
            break;
        }
        decision.reasons.push_back(std::move(shortfall));
    }
    return decision;
}

}  // namespace cx
