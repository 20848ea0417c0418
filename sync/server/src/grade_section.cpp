#include "cx/server/grade_section.hpp"

#include <string>

#include "cx/server/assessment_text.hpp"

namespace cx {

namespace {

std::string_view condition_text(const std::string& condition, Lang lang) {
    if (condition == "service_score") return text(AssessText::ConditionServiceScore, lang);
    if (condition == "management_level") return text(AssessText::ConditionManagementLevel, lang);
    if (condition == "conformity") return text(AssessText::ConditionConformity, lang);
    return condition;
}

std::string grade_text(const nlohmann::json& grade, Lang lang) {
    if (!grade.is_string()) return "—";
    const auto name = grade.get<std::string>();
    return name == "none" ? std::string(text(AssessText::NoGrade, lang)) : name;
}

}  // namespace

void write_grade_section(HtmlWriter& html, Lang lang, const nlohmann::json& score) {
    html.open("section", {{"class", "card grade"}, {"id", "grade"}});
    html.element("h2", text(AssessText::GradeTitle, lang));
    if (score.contains("grade_warning") && score["grade_warning"].is_string())
        html.element("p",
                     std::string(text(AssessText::IntegrityWarning, lang)) + ": " +
                         score["grade_warning"].get<std::string>(),
                     {{"class", "error"}, {"role", "alert"}});
    const auto& management = score.contains("management") ? score["management"] : nlohmann::json();
    if (!management.is_object()) {
        html.element("p", text(AssessText::NoAssessment, lang)).close();
        return;
    }
    html.open("table").open("tbody");
    auto row = [&](AssessText label, const std::string& value, std::string_view id) {
        html.open("tr")
            .element("th", text(label, lang), {{"scope", "row"}})
            .element("td", value, {{"id", id}})
            .close();
    };
    row(AssessText::Grade, grade_text(score["grade"], lang), "grade-value");
    row(AssessText::ManagementTotal, management["total"].dump() + " / " + management["max"].dump(),
        "management-total");
    row(AssessText::ManagementLevel, management["level"].dump(), "management-level");
    row(AssessText::ConformityReview,
        std::string(text(
            management.value("conformity_passed", false) ? AssessText::Passed : AssessText::Failed,
            lang)),
        "conformity-value");
    html.close().close();  // tbody, table
    const auto& reasons = score["reasons"];
    if (reasons.is_array() && !reasons.empty()) {
        html.open("ul", {{"class", "reasons"}});
        for (const auto& shortfall : reasons) {
            std::string line = std::string(text(AssessText::NotReached, lang)) + " " +
                               shortfall.value("grade", std::string()) + ": ";
            bool first = true;
            for (const auto& failed : shortfall["failed"]) {
                if (!first) line += "; ";
                first = false;
                line += std::string(condition_text(failed.value("condition", ""), lang)) + " " +
                        std::string(text(AssessText::Actual, lang)) + " " +
                        failed.value("actual", "") + ", " +
                        std::string(text(AssessText::Required, lang)) + " " +
                        failed.value("required", "");
            }
            html.element("li", line);
        }
        html.close();
    }
    html.close();  // section
}

}  // namespace cx
