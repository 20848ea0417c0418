#include "cx/server/console_shell.hpp"

#include <string>
#include <utility>

#include "console_assets.hpp"

namespace cx {

HtmlWriter console_shell(Lang lang, std::string_view path, std::string_view title,
                         const std::optional<LiveSession>& session, bool narrow) {
    HtmlWriter html(to_string(lang));
    html.open("head")
        .empty("meta", {{"charset", "utf-8"}})
        .empty("meta", {{"name", "viewport"}, {"content", "width=device-width, initial-scale=1"}})
        .element("title", std::string(title) + " · " + std::string(text(ConsoleText::Title, lang)))
        .empty("link", {{"rel", "stylesheet"}, {"href", kStylesheetPath}})
        .close();
    html.open("body").open("header", {{"class", "bar"}});
    html.element("span", text(ConsoleText::Title, lang), {{"class", "product"}});
    if (session) {
        html.element("a", text(ConsoleText::Organisations, lang), {{"href", kConsoleHome}});
        const auto& user = session->user;
        const auto role =
            user.role == UserRole::Certifier ? ConsoleText::RoleCertifier : ConsoleText::RoleViewer;
        html.element("span", std::string(text(ConsoleText::SignedInAs, lang)) + ": " + user.name +
                                 " (" + std::string(text(role, lang)) + ")");
        html.open("form", {{"method", "post"}, {"action", "/signout"}});
        csrf_input(html, session->csrf_secret);
        html.element("button", text(ConsoleText::SignOut, lang), {{"type", "submit"}}).close();
    }
    html.open("nav", {{"class", "lang"}});
    for (auto [choice, label] : {std::pair{Lang::Zh, "中文"}, std::pair{Lang::En, "English"}}) {
        const std::string href = std::string(path) +
                                 (path.find('?') == std::string_view::npos ? "?" : "&") +
                                 "lang=" + std::string(to_string(choice));
        if (choice == lang)
            html.element("a", label, {{"href", href}, {"aria-current", "true"}});
        else
            html.element("a", label, {{"href", href}});
    }
    html.close().close();  // nav, header
    html.open("main",
              narrow ? HtmlWriter::Attributes{{"class", "narrow"}} : HtmlWriter::Attributes{});
    html.element("h1", title);
    return html;
}

void csrf_input(HtmlWriter& html, std::string_view token) {
    html.empty("input", {{"type", "hidden"}, {"name", "csrf"}, {"value", token}});
}

}  // namespace cx
