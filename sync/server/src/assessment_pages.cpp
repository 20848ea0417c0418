// The console's pages under /console/orgs/{org}: the routing among them, the grade
// on the organisation's page, and the management assessment form whose POST saves
// through ApiService::put_assessment, the code of PUT …/assessment.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "console_page.hpp"
#include "cx/server/assessment_text.hpp"
#include "cx/server/assessments.hpp"
#include "cx/server/console_shell.hpp"
#include "cx/server/grade_section.hpp"
#include "cx/server/web_console.hpp"

namespace cx {

namespace {

// The parser's message without its "line N: " (the form shows it beside the field).
std::string without_line(std::string detail) {
    if (detail.starts_with("line ")) {
        auto colon = detail.find(": ");
        if (colon != std::string::npos) return detail.substr(colon + 2);
    }
    return detail;
}

}  // namespace

Result<bool> WebConsole::may_see(const User& user, std::string_view org) {
    auto orgs = visible_orgs(user);
    if (!orgs) return orgs.error();
    return std::find(orgs.value().begin(), orgs.value().end(), org) != orgs.value().end();
}

WebAnswer WebConsole::route_org_pages(const Page& page, const WebRequest& request) {
    const auto rest = std::string_view(request.path).substr(kConsoleOrgsPrefix.size());
    const auto slash = rest.find('/');
    const auto org = rest.substr(0, slash);
    const auto leaf = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    const bool get = request.method == "GET";
    if (leaf.empty() && get) return organisation(page, org, request);
    if (leaf == "/assessment") {
        // The period of the organisation's page it came from, to go back to.
        auto period = parse_period(request.params, utc_today());
        if (!period)
            return message_page(page, 400, ConsoleText::FormRejectedTitle, ConsoleText::BadPeriod);
        return get ? assessment_page(page, org, *period, 200, std::nullopt, std::nullopt)
                   : save_assessment(page, request, org, *period);
    }
    if (leaf == "/report" && get) return report_page(page, request, org);
    return message_page(page, 404, ConsoleText::NotFoundTitle, ConsoleText::NotFound);
}

WebAnswer WebConsole::assessment_page(const Page& page, std::string_view org, const Period& period,
                                      int status, std::optional<AssessmentFormValues> entered,
                                      const std::optional<FieldProblem>& problem) {
    const auto lang = page.lang;
    const auto& user = page.session->user;
    auto visible = may_see(user, org);
    if (!visible) return unavailable(page);
    // Another org's page is not there, as one that does not exist; the viewer's own
    // is there but not theirs to change.
    if (!visible.value())
        return message_page(page, 404, ConsoleText::NotFoundTitle, ConsoleText::NotFound);
    if (user.role != UserRole::Certifier)
        return message_page(page, 403, ConsoleText::FormRejectedTitle, ConsoleText::NotFound);
    const auto& scheme = api_.config().management;
    if (!entered) {
        // The one that counts pre-fills the form; one the scheme no longer reads does not.
        auto current = current_assessment(api_.store(), org, scheme);
        if (!current && current.error().kind != ErrorKind::Invalid) return unavailable(page);
        entered = current && current.value() ? form_values(*current.value(), scheme)
                                             : AssessmentFormValues{};
    }
    auto history = api_.store().assessments(org, kAssessmentHistoryLimit);
    if (!history) return unavailable(page);

    auto html = console_shell(
        lang, period_href(page.path, period),
        std::string(text(AssessText::AssessmentTitle, lang)) + " · " + std::string(org),
        page.session, false);
    html.open("p")
        .element("a", std::string(text(ConsoleText::Organisation, lang)) + " " + std::string(org),
                 {{"href", period_href(console_org_path(org), period)}})
        .close();
    write_assessment_form(html, lang, scheme, *entered, problem, page.session->csrf_secret,
                          period_href(console_org_path(org, "/assessment"), period));
    write_assessment_history(html, lang, history.value());
    return respond(page, status, html.take());
}

WebAnswer WebConsole::save_assessment(const Page& page, const WebRequest& request,
                                      std::string_view org, const Period& period) {
    auto form = parse_form(request.body, {.max_body = kMaxFormBody});
    if (!form)
        return message_page(page, 400, ConsoleText::FormRejectedTitle, ConsoleText::FormUnreadable);
    if (!tokens_match(page.session->csrf_secret, form.value().get("csrf").value_or("")))
        return message_page(page, 403, ConsoleText::FormRejectedTitle, ConsoleText::FormRejected);
    const auto& user = page.session->user;
    if (user.role != UserRole::Certifier) return assessment_page(page, org, period, 403, {}, {});
    auto document = assessment_document(form.value(), org, api_.config().management);
    auto saved = api_.put_assessment(Actor{user.name, std::nullopt}, org, document.json);
    if (saved.status == 200)
        return redirect(page, period_href(console_org_path(org), period) + "&saved=1#grade");
    auto refusal = nlohmann::json::parse(saved.body, nullptr, false);
    if (saved.status != http_status(ApiError::InvalidAssessment) || refusal.is_discarded())
        return unavailable(page);
    FieldProblem problem{document.field_at(refusal.value("line", 0)),
                         without_line(refusal.value("detail", std::string()))};
    return assessment_page(page, org, period, 422, form_values(form.value()), problem);
}

std::variant<ResponseQuery, Reply> WebConsole::authorize_export(const WebRequest& request,
                                                                std::string_view org) {
    auto page = page_for(request);
    const auto id = request.cookies.find("cx_session");
    if (id == request.cookies.end() || id->second.empty()) return redirect(page, "/").reply;
    auto found = sessions_.find(id->second);
    if (!found) return unavailable(page).reply;
    if (!found.value()) return redirect(page, "/").reply;
    page.session = std::move(found.value());
    auto visible = may_see(page.session->user, org);
    if (!visible) return unavailable(page).reply;
    if (!visible.value())
        return message_page(page, 404, ConsoleText::NotFoundTitle, ConsoleText::NotFound).reply;
    return console_query(org, request.params, utc_today());
}

std::variant<Actor, Reply> WebConsole::authorize_assessment(const WebRequest& request) {
    const auto id = request.cookies.find("cx_session");
    if (id == request.cookies.end() || id->second.empty())
        return error_reply(ApiError::Unauthorized, "no session and no token");
    auto found = sessions_.find(id->second);
    if (!found) return error_reply(ApiError::Unavailable, found.error().message);
    if (!found.value())
        return error_reply(ApiError::Unauthorized, "the session has ended; sign in again");
    const auto& session = *found.value();
    if (!tokens_match(session.csrf_secret, request.csrf_header))
        return error_reply(ApiError::Forbidden,
                           "a session's request needs its CSRF token in X-CSRF-Token");
    if (session.user.role != UserRole::Certifier)
        return error_reply(ApiError::Forbidden, "only a certifier may save an assessment");
    return Actor{session.user.name, std::nullopt};
}

}  // namespace cx
