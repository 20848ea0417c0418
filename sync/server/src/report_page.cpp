// GET /console/orgs/{org}/report?from&to&site: one printable A4 page per
// organisation and period. Every figure is the score JSON's (GET …/score for the
// same query) as it writes it, so the paper and the API agree to the last digit;
// the assessment shown is the one the grade was decided with.
#include <nlohmann/json.hpp>

#include <chrono>

#include "console_page.hpp"
#include "cx/scoring/response.hpp"
#include "cx/server/assessment_text.hpp"
#include "cx/server/assessments.hpp"
#include "cx/server/console_shell.hpp"
#include "cx/server/grade_section.hpp"
#include "cx/server/svg_bars.hpp"
#include "cx/server/web_console.hpp"

namespace cx {

namespace {

std::string figure(const nlohmann::json& value) {
    return value.is_null() ? "—" : value.dump();
}

std::string period_text(const ResponseQuery& query) {
    return query.from.value_or("…") + " – " + query.to.value_or("…");
}

std::string today_utc() {
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    return format_utc_timestamp(now).substr(0, 10);  // YYYY-MM-DD
}

void write_facts(HtmlWriter& html, Lang lang, std::string_view org, const ResponseQuery& query,
                 const nlohmann::json& score, const std::optional<SavedAssessment>& assessment) {
    html.open("table", {{"class", "facts"}}).open("tbody");
    auto row = [&](std::string_view label, const std::string& value, std::string_view id) {
        html.open("tr")
            .element("th", label, {{"scope", "row"}})
            .element("td", value, {{"id", id}})
            .close();
    };
    row(text(ConsoleText::Organisation, lang), std::string(org), "report-org");
    row(text(AssessText::Period, lang), period_text(query), "report-period");
    row(text(AssessText::Site, lang),
        query.site.value_or(std::string(text(AssessText::AllSites, lang))), "report-site");
    row(text(AssessText::PolicyVersion, lang), score["policy"].value("version", std::string()),
        "report-policy");
    row(text(AssessText::Printed, lang), today_utc(), "report-printed");
    row(text(AssessText::Auditor, lang), assessment ? assessment->auditor : "—", "report-auditor");
    html.close().close();
}

void write_scores(HtmlWriter& html, Lang lang, const nlohmann::json& score) {
    html.open("section", {{"class", "report-part"}});
    html.open("table", {{"class", "facts"}}).open("tbody");
    auto row = [&](std::string_view label, const std::string& value, std::string_view id) {
        html.open("tr")
            .element("th", label, {{"scope", "row"}})
            .element("td", value, {{"id", id}, {"class", "number"}})
            .close();
    };
    row(text(AssessText::SampleSize, lang), figure(score["respondents"]), "report-respondents");
    row(text(ConsoleText::ServiceScore, lang), figure(score["service_score"]),
        "report-service-score");
    const auto& ci = score["ci95"];
    row(text(ConsoleText::ConfidenceInterval, lang),
        ci.is_array() && ci.size() == 2 ? ci[0].dump() + " – " + ci[1].dump() : "—", "report-ci");
    row(text(ConsoleText::Excluded, lang), figure(score["excluded_total"]), "report-excluded");
    html.close().close();

    std::vector<Bar> bars;
    for (const auto& characteristic : score["characteristics"]) {
        const auto& points = characteristic["points"];
        const auto max = characteristic.value("max", 0.0);
        bars.push_back({characteristic["name"].value(std::string(to_string(lang)), ""),
                        points.is_number() ? points.get<double>() : 0.0, max,
                        figure(points) + " / " + figure(characteristic["max"])});
    }
    write_bar_chart(html, bars, text(ConsoleText::Characteristic, lang));
    html.close();  // section
}

void write_levels(HtmlWriter& html, Lang lang, const ManagementScheme& scheme,
                  const SavedAssessment& saved) {
    auto levels = nlohmann::json::parse(saved.levels, nullptr, false);
    html.open("section", {{"class", "report-part"}});
    html.element("h2", text(AssessText::ManagementAssessment, lang));
    html.element("p",
                 std::string(text(AssessText::Auditor, lang)) + ": " + saved.auditor + " · " +
                     std::string(text(AssessText::Date, lang)) + ": " + saved.assessed_on,
                 {{"class", "note"}});
    html.open("ol", {{"class", "levels-grid"}});
    for (const auto& requirement : scheme.requirements) {
        const auto& name = lang == Lang::En && !requirement.name_en.empty() ? requirement.name_en
                                                                            : requirement.name_zh;
        const auto level = levels.is_object() && levels.contains(requirement.id)
                               ? levels[requirement.id].dump()
                               : std::string("—");
        html.open("li")
            .element("span", requirement.id, {{"class", "id"}})
            .element("span", name, {{"class", "name"}})
            .element("span", level, {{"class", "level"}, {"id", "report-level-" + requirement.id}})
            .close();
    }
    html.close().close();  // ol, section
}

void write_integrity(HtmlWriter& html, Lang lang, const nlohmann::json& score) {
    const bool intact = score.contains("integrity") && score["integrity"].value("intact", false);
    html.element("p",
                 intact ? std::string(text(AssessText::IntegrityIntact, lang))
                        : std::string(text(AssessText::IntegrityWarning, lang)) + ": " +
                              score.value("grade_warning", std::string()),
                 {{"class", intact ? "integrity" : "integrity error"}, {"id", "report-integrity"}});
}

}  // namespace

WebAnswer WebConsole::report_page(const Page& page, const WebRequest& request,
                                  std::string_view org) {
    const auto lang = page.lang;
    auto visible = may_see(page.session->user, org);
    if (!visible) return unavailable(page);
    if (!visible.value())
        return message_page(page, 404, ConsoleText::NotFoundTitle, ConsoleText::NotFound);
    auto selected = console_query(org, request.params, utc_today());
    if (auto* refusal = std::get_if<Reply>(&selected)) {
        auto problem = nlohmann::json::parse(refusal->body, nullptr, false);
        auto html = console_shell(lang, page.path, text(AssessText::Report, lang), page.session);
        html.open("section", {{"class", "card"}})
            .element("p", problem.is_discarded() ? refusal->body : problem.value("detail", ""),
                     {{"class", "error"}, {"role", "alert"}})
            .close();
        return respond(page, refusal->status, html.take());
    }
    const auto& query = std::get<ResponseQuery>(selected);
    auto scored = api_.score(query);
    auto score = nlohmann::json::parse(scored.body, nullptr, false);
    if (scored.status != 200 || score.is_discarded()) return unavailable(page);
    auto assessment = latest_assessment(api_.store(), org);
    if (!assessment) return unavailable(page);

    // The language links keep the report's selection.
    std::string selection =
        page.path + "?from=" + query.from.value_or("") + "&to=" + query.to.value_or("");
    if (query.site) selection += "&site=" + *query.site;
    auto html = console_shell(
        lang, selection, std::string(text(AssessText::Report, lang)) + " · " + std::string(org),
        page.session);
    html.open("article", {{"class", "report"}});
    write_facts(html, lang, org, query, score, assessment.value());
    write_scores(html, lang, score);
    if (assessment.value()) write_levels(html, lang, api_.config().management, *assessment.value());
    write_integrity(html, lang, score);
    write_grade_section(html, lang, score);
    html.close();  // article
    return respond(page, 200, html.take());
}

}  // namespace cx
