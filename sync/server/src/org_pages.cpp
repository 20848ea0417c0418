#include "cx/server/org_pages.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <set>

#include "cx/integrity/chain_audit.hpp"
#include "cx/server/assessment_text.hpp"
#include "cx/server/assessments.hpp"
#include "cx/server/console_shell.hpp"
#include "cx/server/day_score.hpp"
#include "cx/server/day_state.hpp"
#include "cx/server/grade_section.hpp"
#include "cx/server/svg_chart.hpp"

namespace cx {

using Json = nlohmann::json;

namespace {

// At most this many points in the trend: a longer period takes several weeks a point.
constexpr int kMaxTrendPoints = 106;

std::optional<std::chrono::sys_days> parse_day(std::string_view text) {
    unsigned y = 0, m = 0, d = 0;
    char rest = 0;
    if (text.size() != 10 ||
        std::sscanf(std::string(text).c_str(), "%4u-%2u-%2u%c", &y, &m, &d, &rest) != 3)
        return std::nullopt;
    std::chrono::year_month_day date{std::chrono::year{static_cast<int>(y)}, std::chrono::month{m},
                                     std::chrono::day{d}};
    if (!date.ok()) return std::nullopt;
    return std::chrono::sys_days{date};
}

// A number as the API's JSON writes it; "—" for null.
std::string shown(const Json& value) {
    return value.is_null() ? "—" : value.dump();
}

std::string ci_text(const Json& ci) {
    return ci.is_array() && ci.size() == 2 ? ci[0].dump() + " – " + ci[1].dump() : "—";
}

// Reads the JSON of an endpoint's 200; anything else is the reply's error.
Result<Json> reply_json(const Reply& reply) {
    if (reply.status != 200)
        return make_error(
            reply.status >= 500 && reply.status != 503 ? ErrorKind::Internal : ErrorKind::Store,
            reply.body);
    auto parsed = Json::parse(reply.body, nullptr, false);
    if (parsed.is_discarded()) return make_error(ErrorKind::Internal, "unreadable reply");
    return parsed;
}

// Gaps, forks and broken links in a device's chains, and how its first key was trusted.
struct DeviceIntegrity {
    std::size_t gaps = 0;
    std::size_t forks = 0;
    std::size_t broken_links = 0;
    std::string_view key_pinned = "none";
    std::size_t problems() const {
        return gaps + forks + broken_links + (key_pinned == "none" ? 1 : 0);
    }
};
// What GET …/integrity says of each device (org_integrity_json: the audit of every chain
// from seq 1, the first bound key's trust), drawn from `all`, the states of every day
// of every site of the org, instead of every record.
Result<std::map<std::string, DeviceIntegrity>> chain_integrity(ApiService& api,
                                                               std::string_view org,
                                                               const DayState& all) {
    auto keys = api.store().device_keys(org, std::nullopt);
    if (!keys) return keys.error();
    std::map<std::string, DeviceIntegrity> by_device;
    // Only a device's first key can be pinned on first use (keys come in the order bound).
    for (const auto& key : keys.value())
        by_device.try_emplace(key.device, DeviceIntegrity{0, 0, 0, to_string(key.trusted)});
    for (const auto& device : all.chains.report(integrity::ChainStart::SeqOne)) {
        auto& entry = by_device[device.device];
        for (const auto& chain : device.keys) {
            entry.gaps += chain.gaps.size();
            entry.forks += chain.forks.size();
            entry.broken_links += chain.broken_links.size();
        }
    }
    return by_device;
}

// What a page shows of an org for a period, from one read of its day states (on
// PostgreSQL a read of a million responses' states takes 0.4 s): the period's score,
// each trend point's, and the audit of whole chains, which wants every day of every site.
struct OrgFigures {
    Json score;                // as GET …/score?from&to&site gives it
    std::vector<Json> points;  // the same for each `per_point` days of the period
    std::map<std::string, DeviceIntegrity> chains;
};
// Without `per_point`, no trend points.
Result<OrgFigures> org_figures(ApiService& api, std::string_view org, const Period& period,
                               std::optional<std::chrono::days> per_point) {
    const auto& config = api.config();
    const auto span = per_point.value_or(period.to - period.from);
    std::deque<DayState> points;
    for (auto start = period.from; start < period.to; start += span) points.emplace_back(config);
    DayState elsewhere(config);  // the days and sites outside the selection
    const auto first_day = day_text(period.from), end_day = day_text(period.to);
    auto collected = collect_day_states(
        api.store(), {std::string(org), {}, {}, {}}, config,
        [&](std::string_view site, std::string_view day) -> DayState& {
            const auto parsed = parse_day(day);
            if (!parsed || day < first_day || day >= end_day ||
                (period.site && site != *period.site))
                return elsewhere;
            return points[static_cast<std::size_t>((*parsed - period.from) / span)];
        });
    if (!collected) return collected.error();
    auto assessment = current_assessment(api.store(), org, config.management);
    if (!assessment) return assessment.error();

    OrgFigures figures;
    DayState selected(config);
    for (auto& point : points) {
        if (per_point) {
            auto json = reply_json(api.score_of(point, assessment.value()));
            if (!json) return json.error();
            figures.points.push_back(std::move(json.value()));
        }
        selected.merge(std::move(point));
    }
    auto score = reply_json(api.score_of(selected, assessment.value()));
    if (!score) return score.error();
    figures.score = std::move(score.value());
    elsewhere.merge(std::move(selected));
    auto chains = chain_integrity(api, org, elsewhere);
    if (!chains) return chains.error();
    figures.chains = std::move(chains.value());
    return figures;
}

// The records of each device in the period: the score's chain audit counts them.
std::map<std::string, long long> period_records(const Json& score) {
    std::map<std::string, long long> records;
    for (const auto& device : score["integrity"]["devices"])
        for (const auto& key : device["keys"])
            records[device["device"].get<std::string>()] += key["records"].get<long long>();
    return records;
}

void period_form(HtmlWriter& html, Lang lang, std::string_view action, const Period& period,
                 const std::set<std::string>& sites) {
    html.open("form", {{"class", "period"}, {"method", "get"}, {"action", action}});
    const auto from = day_text(period.from), to = day_text(period.to);
    html.open("div")
        .element("label", text(ConsoleText::PeriodFrom, lang), {{"for", "from"}})
        .empty("input", {{"type", "date"}, {"id", "from"}, {"name", "from"}, {"value", from}})
        .close();
    html.open("div")
        .element("label", text(ConsoleText::PeriodTo, lang), {{"for", "to"}})
        .empty("input", {{"type", "date"}, {"id", "to"}, {"name", "to"}, {"value", to}})
        .close();
    if (!sites.empty() || period.site) {
        html.open("div")
            .element("label", text(ConsoleText::Site, lang), {{"for", "site"}})
            .open("select", {{"id", "site"}, {"name", "site"}});
        html.element("option", text(ConsoleText::AllSites, lang), {{"value", ""}});
        auto all = sites;
        if (period.site) all.insert(*period.site);
        for (const auto& site : all) {
            if (site == period.site)
                html.element("option", site, {{"value", site}, {"selected", "selected"}});
            else
                html.element("option", site, {{"value", site}});
        }
        html.close().close();  // select, div
    }
    html.element("button", text(ConsoleText::Show, lang), {{"type", "submit"}});
    html.close();
    html.element("p", text(ConsoleText::DefaultPeriodNote, lang), {{"class", "note"}});
}

void numbers_table(HtmlWriter& html, Lang lang,
                   const std::vector<std::pair<ConsoleText, std::string>>& rows) {
    html.open("table", {{"class", "figures"}}).open("tbody");
    for (const auto& [label, value] : rows)
        html.open("tr")
            .element("th", text(label, lang), {{"scope", "row"}})
            .element("td", value, {{"class", "number"}})
            .close();
    html.close().close();
}

void heading_row(HtmlWriter& html, Lang lang, std::initializer_list<ConsoleText> headings,
                 std::size_t text_columns) {
    html.open("thead").open("tr");
    std::size_t column = 0;
    for (auto heading : headings)
        html.element("th", text(heading, lang),
                     {{"scope", "col"}, {"class", column++ < text_columns ? "" : "number"}});
    html.close().close();
}

std::string grade_text(const Json& score, Lang lang) {
    return score["grade"].is_null()
               ? "— (" + std::string(text(ConsoleText::NoAssessment, lang)) + ")"
               : score["grade"].dump();
}

// The grade (as GET …/score decided it) and what to do next: enter the assessment
// (certifiers), print the report or export the records, both of this period.
void grade_and_actions(HtmlWriter& html, const PageContext& context, std::string_view org,
                       const Period& period, const Json& score) {
    const auto lang = context.lang;
    const auto page = console_org_path(org);
    if (context.saved)
        html.element("p", text(AssessText::Saved, lang),
                     {{"class", "confirmation"}, {"role", "status"}});
    write_grade_section(html, lang, score);
    html.open("p", {{"class", "actions"}});
    if (context.session->user.role == UserRole::Certifier)
        html.element("a", text(AssessText::EnterAssessment, lang),
                     {{"href", period_href(page + "/assessment", period)}, {"class", "button"}});
    for (auto [label, leaf] : {std::pair{AssessText::Report, "/report"},
                               std::pair{AssessText::ExportCsv, "/responses.csv"},
                               std::pair{AssessText::ExportXlsx, "/responses.xlsx"},
                               std::pair{AssessText::ExportJsonl, "/responses.jsonl"}})
        html.element("a", text(label, lang),
                     {{"href", period_href(page + leaf, period)}, {"class", "button"}});
    html.close();
}

}  // namespace

std::string period_href(std::string_view path, const Period& period) {
    std::string href =
        std::string(path) + "?from=" + day_text(period.from) + "&to=" + day_text(period.to);
    if (period.site) href += "&site=" + *period.site;
    return href;
}

std::string day_text(std::chrono::sys_days day) {
    std::chrono::year_month_day date{day};
    char out[16];
    std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
    return out;
}

Period default_period(std::chrono::sys_days today) {
    const auto to = today + std::chrono::days{1};
    return {to - std::chrono::days{kDefaultPeriodDays}, to, std::nullopt};
}

std::optional<Period> parse_period(const QueryParams& params, std::chrono::sys_days today) {
    auto period = default_period(today);
    for (auto [given, day] :
         {std::pair{&params.from, &period.from}, std::pair{&params.to, &period.to}}) {
        if (!*given || (*given)->empty()) continue;
        auto parsed = parse_day(**given);
        if (!parsed) return std::nullopt;
        *day = *parsed;
    }
    if (period.from >= period.to) return std::nullopt;
    if (params.site && !params.site->empty()) {
        if (!is_valid_identifier(*params.site)) return std::nullopt;
        period.site = params.site;
    }
    return period;
}

std::variant<ResponseQuery, Reply> console_query(std::string_view org, QueryParams params,
                                                 std::chrono::sys_days today) {
    const auto fallback = default_period(today);
    if (!params.from || params.from->empty()) params.from = day_text(fallback.from);
    if (!params.to || params.to->empty()) params.to = day_text(fallback.to);
    if (params.site && params.site->empty()) params.site.reset();
    return org_query(org, params);
}

std::chrono::sys_days utc_today() {
    return std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
}

ResponseQuery period_query(std::string_view org, const Period& period) {
    return {std::string(org), period.site, day_text(period.from) + "T00:00:00Z",
            day_text(period.to) + "T00:00:00Z"};
}

Result<std::string> OrgPages::organisations(const PageContext& context,
                                            const std::vector<std::string>& orgs,
                                            const Period& period) {
    const auto lang = context.lang;
    // The language links keep the period.
    auto html = console_shell(lang, period_href(context.path, period),
                              text(ConsoleText::Organisations, lang), context.session, false);
    html.open("section", {{"class", "card"}});
    period_form(html, lang, context.path, period, {});
    if (orgs.empty()) html.element("p", text(ConsoleText::NoOrganisations, lang));
    html.open("table", {{"class", "orgs"}});
    heading_row(html, lang,
                {ConsoleText::Organisation, ConsoleText::Respondents, ConsoleText::ServiceScore,
                 ConsoleText::Grade, ConsoleText::DevicesSilent, ConsoleText::IntegrityProblems},
                1);
    html.open("tbody");
    for (const auto& org : orgs) {
        auto figures = org_figures(api_, org, period, std::nullopt);
        if (!figures) return figures.error();
        const auto& score = figures.value().score;
        auto devices = reply_json(api_.devices(org));
        if (!devices) return devices.error();
        std::size_t silent = 0, problems = 0;
        for (const auto& device : devices.value()["devices"])
            if (device["status"] == "silent") ++silent;
        for (const auto& [name, device] : figures.value().chains) problems += device.problems();
        html.open("tr")
            .open("td")
            .element("a", org, {{"href", period_href(console_org_path(org), period)}})
            .close()
            .element("td", shown(score["respondents"]), {{"class", "number"}})
            .element("td", shown(score["service_score"]), {{"class", "number"}})
            .element("td", grade_text(score, lang), {{"class", "number"}})
            .element("td", std::to_string(silent), {{"class", "number"}})
            .element("td", std::to_string(problems), {{"class", "number"}})
            .close();
    }
    html.close().close().close();  // tbody, table, section
    return html.take();
}

Result<std::string> OrgPages::organisation(const PageContext& context, std::string_view org,
                                           const Period& period) {
    const auto lang = context.lang;
    const auto& questionnaire = api_.config().questionnaire;
    // The trend: a week a point, several for a long period.
    const auto days = (period.to - period.from).count();
    const auto weeks_per_point =
        std::max<long long>(1, (days + 7LL * kMaxTrendPoints - 1) / (7LL * kMaxTrendPoints));
    const auto days_per_point = std::chrono::days{7 * weeks_per_point};
    auto figures = org_figures(api_, org, period, days_per_point);
    if (!figures) return figures.error();
    const auto& score = figures.value().score;
    const auto& chains = figures.value().chains;
    auto devices_reply = reply_json(api_.devices(org));
    if (!devices_reply) return devices_reply.error();
    std::set<std::string> sites;
    for (const auto& device : devices_reply.value()["devices"])
        if (!device["site"].get<std::string>().empty())
            sites.insert(device["site"].get<std::string>());

    auto html =
        console_shell(lang, period_href(context.path, period),
                      std::string(text(ConsoleText::Organisation, lang)) + " " + std::string(org),
                      context.session, false);

    html.open("section", {{"class", "card"}});
    period_form(html, lang, context.path, period, sites);
    html.close();

    html.open("section", {{"class", "card"}});
    if (score["respondents"] == 0) html.element("p", text(ConsoleText::NoResponses, lang));
    numbers_table(html, lang,
                  {{ConsoleText::Respondents, shown(score["respondents"])},
                   {ConsoleText::ServiceScore, shown(score["service_score"])},
                   {ConsoleText::ConfidenceInterval, ci_text(score["ci95"])},
                   {ConsoleText::Excluded, shown(score["excluded_total"])}});
    html.close();
    grade_and_actions(html, context, org, period, score);

    // The six characteristics (and the overall item 7 when the questionnaire has one).
    html.open("section", {{"class", "card"}});
    html.element("h2", text(ConsoleText::Characteristics, lang));
    std::vector<ChartBar> bars;
    for (const auto& c : score["characteristics"])
        bars.push_back({c["name"].value(std::string(to_string(lang)), ""),
                        c["points"].is_null() ? 0.0 : c["points"].get<double>(),
                        c["max"].get<double>(), shown(c["points"]) + " / " + shown(c["max"])});
    bar_chart(html, text(ConsoleText::Characteristics, lang), bars);
    html.open("table");
    heading_row(html, lang,
                {ConsoleText::Characteristic, ConsoleText::Respondents, ConsoleText::Percent,
                 ConsoleText::Points, ConsoleText::MaxPoints},
                1);
    html.open("tbody");
    for (const auto& c : score["characteristics"])
        html.open("tr")
            .element("td", c["name"].value(std::string(to_string(lang)), ""))
            .element("td", shown(c["respondents"]), {{"class", "number"}})
            .element("td", shown(c["percent"]), {{"class", "number"}})
            .element("td", shown(c["points"]), {{"class", "number"}})
            .element("td", shown(c["max"]), {{"class", "number"}})
            .close();
    html.close().close().close();  // tbody, table, section

    // Per item: how many answered each level, and N/A.
    html.open("section", {{"class", "card"}});
    html.element("h2", text(ConsoleText::ItemDistribution, lang));
    std::vector<std::string> parts;
    for (int level = 1; level <= kLevels; ++level)
        parts.push_back(std::to_string(level) + " " +
                        questionnaire.level_labels[static_cast<std::size_t>(level - 1)].in(lang));
    parts.push_back(questionnaire.not_applicable_label.in(lang));
    std::vector<ChartStack> stacks;
    for (const auto& item : score["items"]) {
        const auto id = item["id"].get<std::string>();
        const auto index = questionnaire.item_index(id);
        const auto question = index ? questionnaire.items[*index].question.in(lang) : "";
        ChartStack stack{id + " " + question, id, {}};
        for (int level = 1; level <= kLevels; ++level)
            stack.counts.push_back(item["counts"][std::to_string(level)].get<long long>());
        stack.counts.push_back(item["na"].get<long long>());
        stacks.push_back(std::move(stack));
    }
    stacked_bar_chart(html, text(ConsoleText::ItemDistribution, lang), parts, true, stacks);
    html.close();

    // The trend: each point's score, as /score?from=<week>&to=<next week> gives it.
    html.open("section", {{"class", "card"}});
    html.element("h2", text(ConsoleText::WeeklyTrend, lang));
    std::vector<TrendPoint> points;
    std::size_t index = 0;
    for (auto start = period.from; start < period.to; start += days_per_point) {
        const auto end = std::min(period.to, start + days_per_point);
        const auto& s = figures.value().points[index++];
        TrendPoint point{day_text(start).substr(5), {}, {}, {}, {}};
        point.tooltip =
            day_text(start) + " – " + day_text(end) + ": " +
            std::string(text(ConsoleText::ServiceScore, lang)) + " " + shown(s["service_score"]) +
            ", " + std::string(text(ConsoleText::ConfidenceInterval, lang)) + " " +
            ci_text(s["ci95"]) + ", " + std::string(text(ConsoleText::Respondents, lang)) + " " +
            shown(s["respondents"]);
        if (!s["service_score"].is_null()) point.value = s["service_score"].get<double>();
        if (s["ci95"].is_array()) {
            point.low = s["ci95"][0].get<double>();
            point.high = s["ci95"][1].get<double>();
        }
        points.push_back(std::move(point));
    }
    trend_chart(html, text(ConsoleText::WeeklyTrend, lang), points);
    html.element("p", text(ConsoleText::TrendNote, lang), {{"class", "note"}});
    html.close();

    // Responses left out of the score, by reason (the score's and the integrity section's).
    html.open("section", {{"class", "card"}});
    html.element("h2", text(ConsoleText::ExcludedByReason, lang));
    std::vector<std::pair<std::string, std::string>> excluded;
    for (const auto& [reason, count] : score["excluded"].items())
        excluded.emplace_back(reason, count.dump());
    for (const auto& [reason, count] : score["integrity"]["excluded"].items())
        excluded.emplace_back(reason, count.dump());
    if (excluded.empty()) {
        html.element("p", text(ConsoleText::NoneExcluded, lang));
    } else {
        html.open("table");
        heading_row(html, lang, {ConsoleText::Reason, ConsoleText::Count}, 1);
        html.open("tbody");
        for (const auto& [reason, count] : excluded)
            html.open("tr")
                .element("td", key_text(reason, lang))
                .element("td", count, {{"class", "number"}})
                .close();
        html.close().close();  // tbody, table
    }
    html.close();  // section

    // Sites and devices: fleet health now, records in the period and in all, integrity.
    html.open("section", {{"class", "card"}});
    html.element("h2", text(ConsoleText::SitesAndDevices, lang));
    const auto in_period = period_records(score);
    html.open("table", {{"class", "devices"}});
    heading_row(
        html, lang,
        {ConsoleText::Site, ConsoleText::Device, ConsoleText::Status, ConsoleText::RecordsInPeriod,
         ConsoleText::RecordsTotal, ConsoleText::Gaps, ConsoleText::Forks, ConsoleText::KeyTrust},
        3);
    html.open("tbody");
    for (const auto& device : devices_reply.value()["devices"]) {
        const auto site = device["site"].get<std::string>();
        if (period.site && site != *period.site) continue;
        const auto name = device["device"].get<std::string>();
        std::string status = key_text(device["status"].get<std::string>(), lang);
        for (const auto& reason : device["reasons"])
            status += " · " + key_text(reason.get<std::string>(), lang);
        const auto found = in_period.find(name);
        const auto chain = chains.find(name);
        const bool audited = chain != chains.end();
        html.open("tr", {{"class", "status-" + device["status"].get<std::string>()}})
            .element("td", site)
            .element("td", name)
            .element("td", status)
            .element("td", std::to_string(found == in_period.end() ? 0 : found->second),
                     {{"class", "number"}})
            .element("td", shown(device["records"]), {{"class", "number"}})
            .element("td", audited ? std::to_string(chain->second.gaps) : "—",
                     {{"class", "number"}})
            .element("td", audited ? std::to_string(chain->second.forks) : "—",
                     {{"class", "number"}})
            .element("td", audited ? chain->second.key_pinned : std::string_view("—"),
                     {{"class", "number"}})
            .close();
    }
    html.close().close();
    html.element("p", text(ConsoleText::DevicesNote, lang), {{"class", "note"}});
    html.close();
    return html.take();
}

}  // namespace cx
