#include "cx/scoring/report.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace cx {

Report make_report(const ScoreAccumulator& accumulator, const Questionnaire& questionnaire,
                   const ScoringPolicy& policy, const ManagementScheme& scheme,
                   const std::optional<Assessment>& assessment) {
    Report report{questionnaire, policy, accumulator.summarize(), std::nullopt, std::nullopt};
    if (assessment) {
        auto management = assess_management(*assessment, scheme);
        report.management = ReportManagement{assessment->org, assessment->conformity_passed,
                                             scheme.max_total(), management,
                                             decide_grade(report.score.service_score, management,
                                                          assessment->conformity_passed, policy)};
    }
    return report;
}

namespace {

using Json = nlohmann::ordered_json;

// A rounded exact value as a JSON number that prints with those decimals.
Json rounded_number(const mpq_class& value, int decimals) {
    double scale = 1;
    for (int i = 0; i < decimals; ++i) scale *= 10;
    return static_cast<double>(round_half_up_scaled(value, decimals)) / scale;
}

Json rounded_number(double value, int decimals) {
    return rounded_number(mpq_class(value), decimals);
}

template <class T, class F>
Json optional_json(const std::optional<T>& value, F to_json) {
    return value ? to_json(*value) : Json(nullptr);
}

mpq_class characteristic_points(const mpq_class& percent, int max_points) {
    mpq_class points = percent * max_points / 100;
    points.canonicalize();
    return points;
}

std::string alpha_text(int milli) {
    return format_scaled(milli, 3);
}

}  // namespace

std::string render_report_json(const Report& report) {
    const auto& score = report.score;
    int decimals = report.policy.decimals;
    Json out;
    out["questionnaire"] = report.questionnaire.id;
    out["respondents"] = score.respondents;
    Json excluded = Json::object();
    for (const auto& [reason, count] : score.excluded) excluded[reason] = count;
    out["excluded"] = excluded;
    out["excluded_total"] = score.excluded_total;
    out["service_score"] = optional_json(
        score.service_score, [&](const mpq_class& s) { return rounded_number(s, decimals); });
    out["service_score_exact"] =
        optional_json(score.service_score, [](const mpq_class& s) { return Json(s.get_str()); });
    out["sd"] = optional_json(score.sd, [](double sd) { return rounded_number(sd, 4); });
    out["ci95"] = optional_json(score.ci95, [&](const std::array<double, 2>& ci) {
        return Json::array({rounded_number(ci[0], decimals), rounded_number(ci[1], decimals)});
    });

    Json characteristics = Json::array();
    for (const auto& c : score.characteristics) {
        Json entry;
        entry["id"] = c.id;
        entry["name"] = {{"zh", c.name.zh}, {"en", c.name.en}};
        entry["max"] = c.max_points;
        entry["respondents"] = c.respondents;
        entry["percent"] = optional_json(
            c.percent, [&](const mpq_class& p) { return rounded_number(p, decimals); });
        entry["points"] = optional_json(c.percent, [&](const mpq_class& p) {
            return rounded_number(characteristic_points(p, c.max_points), decimals);
        });
        characteristics.push_back(std::move(entry));
    }
    out["characteristics"] = std::move(characteristics);

    Json items = Json::array();
    for (const auto& item : score.items) {
        Json entry;
        entry["id"] = item.id;
        entry["mean_alpha"] =
            optional_json(item.mean_alpha, [](double a) { return rounded_number(a, 4); });
        Json counts;
        for (int level = 1; level <= kLevels; ++level)
            counts[std::to_string(level)] = item.counts[static_cast<std::size_t>(level - 1)];
        entry["counts"] = std::move(counts);
        entry["na"] = item.not_applicable;
        items.push_back(std::move(entry));
    }
    out["items"] = std::move(items);

    if (report.management) {
        const auto& m = *report.management;
        out["management"] = {{"org", m.org},
                             {"total", m.result.total},
                             {"max", m.max_total},
                             {"level", m.result.level},
                             {"conformity_passed", m.conformity_passed}};
        out["grade"] = m.grade.grade;
        Json reasons = Json::array();
        for (const auto& shortfall : m.grade.reasons) {
            Json failed = Json::array();
            for (const auto& f : shortfall.failed)
                failed.push_back({{"condition", to_string(f.condition)},
                                  {"required", f.required},
                                  {"actual", f.actual}});
            reasons.push_back({{"grade", shortfall.grade}, {"failed", std::move(failed)}});
        }
        out["reasons"] = std::move(reasons);
    } else {
        out["management"] = nullptr;
        out["grade"] = nullptr;
        out["reasons"] = nullptr;
    }

    Json alpha;
    for (int level = 1; level <= kLevels; ++level)
        alpha[std::to_string(level)] =
            static_cast<double>(report.policy.alpha_milli[static_cast<std::size_t>(level - 1)]) /
            1000.0;
    out["policy"] = {{"version", report.policy.version}, {"alpha", std::move(alpha)}};
    return out.dump(2) + "\n";
}

// ---------------------------------------------------------------------------
// Text

namespace {

std::string level_name(int level) {
    static const char* const kNames[] = {"一级以下 below level 1", "一级 level 1", "二级 level 2",
                                         "三级 level 3",           "四级 level 4", "五级 level 5"};
    return level >= 0 && level <= 5 ? kNames[level] : std::to_string(level);
}

std::string condition_text(GradeCondition condition) {
    switch (condition) {
        case GradeCondition::ServiceScore:
            return "服务特性测评得分 service score";
        case GradeCondition::ManagementLevel:
            return "管理成熟度等级 management level";
        case GradeCondition::Conformity:
            return "管理要求符合性审查 conformity review";
    }
    return "";
}

template <class... Args>
std::string format(const char* pattern, Args... args) {
    char buffer[512];
    std::snprintf(buffer, sizeof buffer, pattern, args...);
    return buffer;
}

// Pads to `columns` terminal columns: CJK characters take two, other code points one.
std::string pad_right(const std::string& text, std::size_t columns) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < text.size();) {
        auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
        width += length >= 3 ? 2 : 1;  // U+0800 and up here are CJK and full-width punctuation
        i += length;
    }
    return width >= columns ? text : text + std::string(columns - width, ' ');
}

std::string optional_scaled(const std::optional<mpq_class>& value, int decimals) {
    return value ? format_scaled(round_half_up_scaled(*value, decimals), decimals) : "—";
}

}  // namespace

std::string render_report_text(const Report& report) {
    const auto& score = report.score;
    int decimals = report.policy.decimals;
    std::string out;
    out += "服务认证评分报告 / Service certification score report\n";
    out += "问卷 Questionnaire: " + report.questionnaire.id + "\n";
    out += "评分政策 Policy: " + report.policy.version + "   α(1…5) =";
    for (int milli : report.policy.alpha_milli) out += " " + alpha_text(milli);
    out += "\n\n";

    out +=
        format("有效受访者 Respondents scored: %lld\n", static_cast<long long>(score.respondents));
    out += format("已排除 Excluded: %lld", static_cast<long long>(score.excluded_total));
    if (!score.excluded.empty()) {
        std::string sep = " (";
        for (const auto& [reason, count] : score.excluded) {
            out += sep + reason + " " + std::to_string(count);
            sep = ", ";
        }
        out += ")";
    }
    out += "\n";
    out += "服务特性测评得分 Service score S: " + optional_scaled(score.service_score, decimals) +
           "\n";
    if (score.sd && score.ci95)
        out += format("标准差 SD: %.2f   95%% 置信区间 CI: %.2f – %.2f\n", *score.sd,
                      (*score.ci95)[0], (*score.ci95)[1]);

    out += "\n  " + pad_right("服务特性 Characteristic", 30) +
           "  满分 Max  得分率 %  得分 Points  人数 N\n";
    for (const auto& c : score.characteristics) {
        std::string name = c.id + " " + c.name.zh + " " + c.name.en;
        std::string points =
            c.percent
                ? format_scaled(round_half_up_scaled(
                                    characteristic_points(*c.percent, c.max_points), decimals),
                                decimals)
                : "—";
        out += "  " + pad_right(name, 30);
        out += format(" %6d %10s %12s %7lld\n", c.max_points,
                      optional_scaled(c.percent, decimals).c_str(), points.c_str(),
                      static_cast<long long>(c.respondents));
    }

    out += "\n  " + pad_right("题目 Item", 8) +
           "  平均α Mean α        1        2        3        4        5  不适用 N/A\n";
    for (const auto& item : score.items) {
        std::string mean = item.mean_alpha ? format("%.3f", *item.mean_alpha) : "—";
        out += format("  %-8s %10s", item.id.c_str(), mean.c_str());
        for (auto count : item.counts) out += format(" %8lld", static_cast<long long>(count));
        out += format(" %10lld\n", static_cast<long long>(item.not_applicable));
    }

    out += "\n";
    if (!report.management) {
        out +=
            "管理要求审核 Management: 未提供评审 no assessment given — 不判定认证级别 no grade\n";
        return out;
    }
    const auto& m = *report.management;
    out += "受评组织 Organisation: " + m.org + "\n";
    out += format("管理要求审核 Management: %d / %d 分 points, ", m.result.total, m.max_total) +
           level_name(m.result.level) + "\n";
    out += std::string("管理要求符合性审查 Conformity review: ") +
           (m.conformity_passed ? "通过 passed" : "未通过 failed") + "\n";
    out +=
        "认证级别 Grade: " + (m.grade.grade == kNoGrade ? std::string("无 none") : m.grade.grade) +
        "\n";
    for (const auto& shortfall : m.grade.reasons) {
        out += "  未达到 not reached " + shortfall.grade + ":";
        for (const auto& f : shortfall.failed)
            out += "\n    " + condition_text(f.condition) + " " + f.actual + ", 要求 required " +
                   f.required;
        out += "\n";
    }
    return out;
}

}  // namespace cx
