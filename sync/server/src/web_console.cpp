#include "cx/server/web_console.hpp"

#include <algorithm>

#include "console_assets.hpp"
#include "console_page.hpp"
#include "cx/server/console_shell.hpp"
#include "cx/server/form_data.hpp"
#include "cx/server/grade_section.hpp"
#include "cx/server/html_writer.hpp"

namespace cx {

namespace {

constexpr std::string_view kSessionCookie = "cx_session";
constexpr std::string_view kSignInCookie = "cx_signin";  // the sign-in form's CSRF token
constexpr std::string_view kLangCookie = "cx_lang";
constexpr std::chrono::seconds kLangCookieAge{365 * 24 * 60 * 60};

// "name=value; HttpOnly; SameSite=Strict; Path=/" (+ "; Secure" under TLS, "; Max-Age=N").
std::string cookie(std::string_view name, std::string_view value, bool secure,
                   std::optional<std::chrono::seconds> max_age = std::nullopt) {
    std::string text =
        std::string(name) + "=" + std::string(value) + "; HttpOnly; SameSite=Strict; Path=/";
    if (secure) text += "; Secure";
    if (max_age) text += "; Max-Age=" + std::to_string(max_age->count());
    return text;
}

std::string_view cookie_value(const WebRequest& request, std::string_view name) {
    auto found = request.cookies.find(name);
    return found == request.cookies.end() ? std::string_view{} : std::string_view(found->second);
}

// Pages never run script, load nothing but the stylesheet, and are never framed.
void add_page_headers(Reply& reply, bool holds_data) {
    reply.headers.emplace_back("Content-Security-Policy",
                               "default-src 'none'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    reply.headers.emplace_back("X-Frame-Options", "DENY");
    reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
    reply.headers.emplace_back("Referrer-Policy", "same-origin");
    if (holds_data) reply.headers.emplace_back("Cache-Control", "no-store");
}

}  // namespace

WebConsole::WebConsole(ApiService& api, ConsoleOptions options)
    : api_(api),
      options_(options),
      accounts_(api.store()),
      sessions_(api.store(), options.sessions),
      org_pages_(api) {}

WebConsole::Page WebConsole::page_for(const WebRequest& request) const {
    Page page;
    page.path = request.path;
    if (auto chosen = request.lang ? parse_lang(*request.lang) : std::nullopt) {
        page.lang = *chosen;
        page.lang_chosen = true;
    } else if (auto remembered = parse_lang(cookie_value(request, kLangCookie))) {
        page.lang = *remembered;
    } else {
        page.lang = lang_from_accept_language(request.accept_language);
    }
    return page;
}

WebAnswer WebConsole::handle(const WebRequest& request) {
    Page page = page_for(request);

    if (request.method == "GET" && request.path == kStylesheetPath) {
        Reply css{200, std::string(console_stylesheet()), 0, "text/css; charset=utf-8", {}};
        add_page_headers(css, false);
        css.headers.emplace_back("Cache-Control", "no-cache");
        return {css, {}};
    }
    if (request.method == "POST" && request.path == "/signin") return sign_in(page, request);

    page.session_id = std::string(cookie_value(request, kSessionCookie));
    if (!page.session_id.empty()) {
        auto found = sessions_.find(page.session_id);
        if (!found) return unavailable(page);
        page.session = std::move(found.value());
    }
    if (request.method == "POST" && request.path == "/signout") return sign_out(page, request);
    if (request.method == "GET" && request.path == "/") {
        if (page.session) return redirect(page, kConsoleHome);
        return sign_in_page(page, 200, std::nullopt);
    }
    if (request.method == "GET" && request.path.starts_with(kConsoleHome)) {
        if (!page.session) return redirect(page, "/");
        if (request.path == kConsoleHome) return home(page, request.params);
        if (request.path.starts_with(kConsoleOrgsPrefix)) return route_org_pages(page, request);
    }
    if (request.method == "POST" && request.path.starts_with(kConsoleOrgsPrefix)) {
        if (!page.session) return redirect(page, "/");
        return route_org_pages(page, request);
    }
    return message_page(page, 404, ConsoleText::NotFoundTitle, ConsoleText::NotFound);
}

WebAnswer WebConsole::respond(const Page& page, int status, std::string body) const {
    Reply reply{status, std::move(body), 0, "text/html; charset=utf-8", {}};
    add_page_headers(reply, true);
    if (page.lang_chosen)
        reply.headers.emplace_back("Set-Cookie", cookie(kLangCookie, to_string(page.lang),
                                                        options_.secure_cookies, kLangCookieAge));
    return {std::move(reply), {}};
}

WebAnswer WebConsole::redirect(const Page& page, std::string_view location) const {
    auto answer = respond(page, 303, {});
    answer.reply.headers.emplace_back("Location", std::string(location));
    return answer;
}

WebAnswer WebConsole::message_page(const Page& page, int status, ConsoleText title,
                                   ConsoleText message) const {
    // Its language links lead home, not back to the path asked for (which may not exist).
    const std::string_view home = page.session ? kConsoleHome : std::string_view("/");
    auto html = console_shell(page.lang, home, text(title, page.lang), page.session, true);
    html.open("section", {{"class", "card"}})
        .element("p", text(message, page.lang))
        .element(
            "a",
            text(page.session ? ConsoleText::AllOrganisations : ConsoleText::SignIn, page.lang),
            {{"href", page.session ? kConsoleHome : std::string_view("/")}})
        .close();
    return respond(page, status, html.take());
}

WebAnswer WebConsole::unavailable(const Page& page) const {
    return message_page(page, 503, ConsoleText::UnavailableTitle, ConsoleText::Unavailable);
}

WebAnswer WebConsole::sign_in_page(const Page& page, int status,
                                   std::optional<ConsoleText> problem) const {
    // Double-submit: the form's token must come back with the cookie of the same value,
    // which another site's page can neither read nor set.
    const auto form_token = random_token_hex();
    const auto lang = page.lang;
    auto html = console_shell(lang, "/", text(ConsoleText::SignIn, lang), std::nullopt, true);
    html.open("section", {{"class", "card"}});
    if (problem) html.element("p", text(*problem, lang), {{"class", "error"}, {"role", "alert"}});
    html.open("form", {{"class", "signin"}, {"method", "post"}, {"action", "/signin"}});
    csrf_input(html, form_token);
    html.element("label", text(ConsoleText::Name, lang), {{"for", "name"}})
        .empty("input", {{"type", "text"},
                         {"id", "name"},
                         {"name", "name"},
                         {"autocomplete", "username"},
                         {"required", "required"}})
        .element("label", text(ConsoleText::Password, lang), {{"for", "password"}})
        .empty("input", {{"type", "password"},
                         {"id", "password"},
                         {"name", "password"},
                         {"autocomplete", "current-password"},
                         {"required", "required"}})
        .element("button", text(ConsoleText::SignIn, lang), {{"type", "submit"}})
        .close()
        .close();
    auto answer = respond(page, status, html.take());
    answer.reply.headers.emplace_back("Set-Cookie",
                                      cookie(kSignInCookie, form_token, options_.secure_cookies));
    return answer;
}

WebAnswer WebConsole::sign_in(const Page& page, const WebRequest& request) {
    auto form = parse_form(request.body, {.max_body = kMaxFormBody});
    if (!form)
        return message_page(page, 400, ConsoleText::FormRejectedTitle, ConsoleText::FormUnreadable);
    if (!tokens_match(cookie_value(request, kSignInCookie), form.value().get("csrf").value_or("")))
        return message_page(page, 403, ConsoleText::FormRejectedTitle, ConsoleText::FormRejected);
    const auto name = form.value().get("name").value_or("");
    const auto password = form.value().get("password").value_or("");
    // Only a name that could be a user's has a bucket: the limiter's memory stays bounded.
    const bool name_counts = is_valid_identifier(name);
    const auto now = FailureLimiter::Clock::now();
    auto wait = by_address_.refusal(request.address, now);
    if (name_counts)
        if (auto name_wait = by_name_.refusal(name, now))
            wait = std::max(wait.value_or(std::chrono::seconds{}), *name_wait);
    if (wait) {
        auto answer = sign_in_page(page, 429, ConsoleText::TooManySignIns);
        answer.reply.headers.emplace_back("Retry-After", std::to_string(wait->count()));
        return answer;
    }
    auto user = accounts_.authenticate(name, password);
    if (!user) return unavailable(page);
    if (!user.value()) {
        auto hold = by_address_.record_failure(request.address, now);
        if (name_counts) hold = std::max(hold, by_name_.record_failure(name, now));
        auto answer = sign_in_page(page, 401, ConsoleText::WrongCredentials);
        answer.hold = hold;
        return answer;
    }
    auto started = sessions_.start(*user.value());
    if (!started) return unavailable(page);
    auto answer = redirect(page, kConsoleHome);
    answer.reply.headers.emplace_back(
        "Set-Cookie", cookie(kSessionCookie, started.value().id, options_.secure_cookies));
    answer.reply.headers.emplace_back(
        "Set-Cookie", cookie(kSignInCookie, "", options_.secure_cookies, std::chrono::seconds{0}));
    return answer;
}

WebAnswer WebConsole::sign_out(const Page& page, const WebRequest& request) {
    if (!page.session) return redirect(page, "/");  // nothing to end
    auto form = parse_form(request.body, {.max_body = kMaxFormBody});
    if (!form)
        return message_page(page, 400, ConsoleText::FormRejectedTitle, ConsoleText::FormUnreadable);
    if (!tokens_match(page.session->csrf_secret, form.value().get("csrf").value_or("")))
        return message_page(page, 403, ConsoleText::FormRejectedTitle, ConsoleText::FormRejected);
    if (auto ended = sessions_.end(page.session_id); !ended) return unavailable(page);
    auto answer = redirect(page, "/");
    answer.reply.headers.emplace_back(
        "Set-Cookie", cookie(kSessionCookie, "", options_.secure_cookies, std::chrono::seconds{0}));
    return answer;
}

Result<std::vector<std::string>> WebConsole::visible_orgs(const User& user) {
    if (user.role == UserRole::Viewer) return std::vector<std::string>{user.org};
    return api_.store().list_orgs();
}

WebAnswer WebConsole::home(const Page& page, const QueryParams& params) {
    const auto& user = page.session->user;
    auto period = parse_period(params, utc_today());
    if (!period)
        return message_page(page, 400, ConsoleText::FormRejectedTitle, ConsoleText::BadPeriod);
    // A viewer has one organisation: their home is its page, for the same period.
    if (user.role == UserRole::Viewer)
        return redirect(page, period_href(console_org_path(user.org), *period));
    auto orgs = visible_orgs(user);
    if (!orgs) return unavailable(page);
    auto html =
        org_pages_.organisations({page.lang, page.path, page.session}, orgs.value(), *period);
    if (!html) return unavailable(page);
    return respond(page, 200, std::move(html.value()));
}

WebAnswer WebConsole::organisation(const Page& page, std::string_view org,
                                   const WebRequest& request) {
    auto visible = may_see(page.session->user, org);
    if (!visible) return unavailable(page);
    // Another organisation's page is not there for this user, as one that does not exist.
    if (!visible.value())
        return message_page(page, 404, ConsoleText::NotFoundTitle, ConsoleText::NotFound);
    auto period = parse_period(request.params, utc_today());
    if (!period)
        return message_page(page, 400, ConsoleText::FormRejectedTitle, ConsoleText::BadPeriod);
    auto html =
        org_pages_.organisation({page.lang, page.path, page.session, request.saved}, org, *period);
    if (!html) return unavailable(page);
    return respond(page, 200, std::move(html.value()));
}

}  // namespace cx
