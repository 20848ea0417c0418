#pragma once
// The frame every console page shares, for the pages of web_console.cpp and those
// built on it: <head> with the built-in stylesheet, the bar (product, the
// organisations link, who is signed in, the sign-out form, the language switch),
// then an open <main> with the page's <h1>; the page writes its content and take()s.
#include <optional>
#include <string>
#include <string_view>

#include "cx/server/console_text.hpp"
#include "cx/server/html_writer.hpp"
#include "cx/server/people.hpp"

namespace cx {

inline constexpr std::string_view kConsoleHome = "/console";
inline constexpr std::string_view kConsoleOrgsPrefix = "/console/orgs/";

// An organisation's page, or the page `leaf` ("/report") under it.
inline std::string console_org_path(std::string_view org, std::string_view leaf = {}) {
    return std::string(kConsoleOrgsPrefix) + std::string(org) + std::string(leaf);
}

// `path`: where the language links lead (with lang=, after the query `path` may have); `narrow`: a
// small centred column (sign-in, messages).
HtmlWriter console_shell(Lang lang, std::string_view path, std::string_view title,
                         const std::optional<LiveSession>& session, bool narrow = false);

// The hidden field that carries the session's CSRF secret: every state-changing form has one.
void csrf_input(HtmlWriter& html, std::string_view token);

}  // namespace cx
