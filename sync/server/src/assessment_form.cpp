#include "cx/server/assessment_form.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

#include "cx/server/assessment_text.hpp"

namespace cx {

namespace {

constexpr std::string_view kLevelPrefix = "level-";

// A level as the document holds it: a small whole number as a number, nothing
// as null, anything else as text (the parser refuses both at their line).
std::string level_json(std::optional<std::string_view> entered) {
    if (!entered || entered->empty()) return "null";
    int level = 0;
    auto [end, error] = std::from_chars(entered->data(), entered->data() + entered->size(), level);
    if (error == std::errc{} && end == entered->data() + entered->size() && entered->size() <= 2)
        return std::to_string(level);
    return nlohmann::json(std::string(*entered)).dump();
}

std::string conformity_json(std::optional<std::string_view> entered) {
    if (entered == "yes") return "true";
    if (entered == "no") return "false";
    return "null";
}

std::string_view value_of(const AssessmentFormValues& values, std::string_view field) {
    auto found = values.find(field);
    return found == values.end() ? std::string_view{} : std::string_view(found->second);
}

// The message beside `field` when the problem is about it.
void write_problem(HtmlWriter& html, const std::optional<FieldProblem>& problem,
                   std::string_view field) {
    if (problem && problem->field == field)
        html.element(
            "p", problem->message,
            {{"class", "error"}, {"role", "alert"}, {"id", std::string(field) + "-error"}});
}

void write_text_field(HtmlWriter& html, Lang lang, AssessText label, std::string_view field,
                      std::string_view type, const AssessmentFormValues& values,
                      const std::optional<FieldProblem>& problem) {
    const std::string id(field);
    html.element("label", text(label, lang), {{"for", id}});
    write_problem(html, problem, field);
    if (type == "textarea") {
        html.element("textarea", value_of(values, field),
                     {{"id", id}, {"name", id}, {"rows", "3"}});
        return;
    }
    html.empty("input",
               {{"type", type}, {"id", id}, {"name", id}, {"value", value_of(values, field)}});
}

// One radio button of `field` and its label (its id: "<field>-<value>"), checked
// when it is the value entered; `title`, when given, is the label's tooltip.
void write_choice(HtmlWriter& html, std::string_view field, std::string_view value,
                  const AssessmentFormValues& values, std::string_view label,
                  std::string_view title = {}) {
    const auto id = std::string(field) + "-" + std::string(value);
    if (title.empty())
        html.open("label", {{"for", id}});
    else
        html.open("label", {{"for", id}, {"title", title}});
    if (value_of(values, field) == value)
        html.empty("input", {{"type", "radio"},
                             {"id", id},
                             {"name", field},
                             {"value", value},
                             {"checked", "checked"}});
    else
        html.empty("input", {{"type", "radio"}, {"id", id}, {"name", field}, {"value", value}});
    html.text(" " + std::string(label)).close();
}

// 附录2 describes each level once for every requirement: shown once, folded.
void write_levels_legend(HtmlWriter& html, Lang lang, const ManagementScheme& scheme) {
    html.open("section", {{"class", "card levels-legend"}});
    html.element("h2", text(AssessText::LevelsLegend, lang));
    for (const auto& level : scheme.maturity_levels) {
        html.open("details").element("summary",
                                     std::to_string(level.level) + " · " + level.name_zh);
        html.open("ol");
        for (const auto& point : level.description_zh) html.element("li", point);
        html.close().close();  // ol, details
    }
    html.close();
}

}  // namespace

std::string level_field(std::string_view requirement_id) {
    return std::string(kLevelPrefix) + std::string(requirement_id);
}

std::string AssessmentDocument::field_at(int line) const {
    if (line < 1 || static_cast<std::size_t>(line) > line_fields.size()) return {};
    return line_fields[static_cast<std::size_t>(line - 1)];
}

AssessmentDocument assessment_document(const FormData& form, std::string_view org,
                                       const ManagementScheme& scheme) {
    AssessmentDocument document;
    auto line = [&](std::string text, std::string_view field) {
        document.json += text + "\n";
        document.line_fields.emplace_back(field);
    };
    auto text_value = [&](std::string_view field) {
        return nlohmann::json(std::string(form.get(field).value_or(""))).dump();
    };
    line("{", "");
    line("  \"org\": " + nlohmann::json(std::string(org)).dump() + ",", "");
    line("  \"conformity_passed\": " + conformity_json(form.get(kConformityField)) + ",",
         kConformityField);
    line("  \"auditor\": " + text_value(kAuditorField) + ",", kAuditorField);
    line("  \"date\": " + text_value(kDateField) + ",", kDateField);
    line("  \"notes\": " + text_value(kNotesField) + ",", kNotesField);
    line("  \"levels\": {", "");
    for (std::size_t i = 0; i < scheme.requirements.size(); ++i) {
        const auto& id = scheme.requirements[i].id;
        const auto field = level_field(id);
        line("    " + nlohmann::json(id).dump() + ": " + level_json(form.get(field)) +
                 (i + 1 < scheme.requirements.size() ? "," : ""),
             field);
    }
    line("  }", "");
    line("}", "");
    return document;
}

AssessmentFormValues form_values(const FormData& form) {
    AssessmentFormValues values;
    for (const auto& [name, value] : form.fields())
        if (name != "csrf") values.emplace(name, value);
    return values;
}

AssessmentFormValues form_values(const Assessment& assessment, const ManagementScheme& scheme) {
    AssessmentFormValues values;
    for (std::size_t i = 0; i < scheme.requirements.size() && i < assessment.levels.size(); ++i)
        values.emplace(level_field(scheme.requirements[i].id),
                       std::to_string(assessment.levels[i]));
    values.emplace(kConformityField, assessment.conformity_passed ? "yes" : "no");
    values.emplace(kAuditorField, assessment.auditor);
    values.emplace(kDateField, assessment.date);
    values.emplace(kNotesField, assessment.notes);
    return values;
}

void write_assessment_form(HtmlWriter& html, Lang lang, const ManagementScheme& scheme,
                           const AssessmentFormValues& values,
                           const std::optional<FieldProblem>& problem, std::string_view csrf,
                           std::string_view action) {
    write_levels_legend(html, lang, scheme);
    html.open("form", {{"class", "assessment"}, {"method", "post"}, {"action", action}});
    html.empty("input", {{"type", "hidden"}, {"name", "csrf"}, {"value", csrf}});
    if (problem) {
        html.element("p", text(AssessText::FormHasProblem, lang),
                     {{"class", "error"}, {"role", "alert"}});
        if (problem->field.empty()) html.element("p", problem->message, {{"class", "error"}});
    }

    std::string_view group;
    bool group_open = false;
    for (const auto& requirement : scheme.requirements) {
        const auto& group_name = lang == Lang::En && !requirement.group_en.empty()
                                     ? requirement.group_en
                                     : requirement.group_zh;
        if (!group_open || group != group_name) {
            if (group_open) html.close();  // section
            html.open("section", {{"class", "card requirement-group"}}).element("h2", group_name);
            group = group_name;
            group_open = true;
        }
        const auto field = level_field(requirement.id);
        const auto& name = lang == Lang::En && !requirement.name_en.empty() ? requirement.name_en
                                                                            : requirement.name_zh;
        html.open("fieldset", {{"class", "requirement"}, {"id", field}});
        html.element("legend", requirement.id + " " + name + " (" +
                                   std::string(text(AssessText::Points, lang)) + " " +
                                   std::to_string(requirement.max_points) + ")");
        write_problem(html, problem, field);
        html.open("div", {{"class", "levels"}});
        for (const auto& level : scheme.maturity_levels) {
            const auto value = std::to_string(level.level);
            std::string description;
            for (const auto& point : level.description_zh) description += point;
            write_choice(html, field, value, values, value + " " + level.name_zh, description);
        }
        html.close().close();  // div.levels, fieldset
    }
    if (group_open) html.close();

    html.open("section", {{"class", "card"}});
    html.open("fieldset", {{"class", "requirement"}, {"id", std::string(kConformityField)}});
    html.element("legend", text(AssessText::ConformityReview, lang));
    write_problem(html, problem, kConformityField);
    html.open("div", {{"class", "levels"}});
    for (auto [choice, label] :
         {std::pair{"yes", AssessText::Passed}, std::pair{"no", AssessText::Failed}}) {
        write_choice(html, kConformityField, choice, values, text(label, lang));
    }
    html.close().close();  // div.levels, fieldset
    write_text_field(html, lang, AssessText::Auditor, kAuditorField, "text", values, problem);
    write_text_field(html, lang, AssessText::Date, kDateField, "date", values, problem);
    write_text_field(html, lang, AssessText::Notes, kNotesField, "textarea", values, problem);
    html.element("button", text(AssessText::Save, lang), {{"type", "submit"}});
    html.close().close();  // section, form
}

void write_assessment_history(HtmlWriter& html, Lang lang,
                              const std::vector<SavedAssessment>& history) {
    html.open("section", {{"class", "card"}, {"id", "history"}});
    html.element("h2", text(AssessText::History, lang));
    if (history.empty()) {
        html.element("p", text(AssessText::NoHistory, lang)).close();
        return;
    }
    html.open("table").open("thead").open("tr");
    for (auto heading : {AssessText::SavedAt, AssessText::SavedBy, AssessText::Auditor,
                         AssessText::Date, AssessText::ConformityReview})
        html.element("th", text(heading, lang), {{"scope", "col"}});
    html.close().close().open("tbody");
    for (const auto& saved : history)
        html.open("tr")
            .element("td", saved.saved_at)
            .element("td", saved.saved_by)
            .element("td", saved.auditor)
            .element("td", saved.assessed_on)
            .element("td",
                     text(saved.conformity_passed ? AssessText::Passed : AssessText::Failed, lang))
            .close();
    html.close().close().close();  // tbody, table, section
}

}  // namespace cx
