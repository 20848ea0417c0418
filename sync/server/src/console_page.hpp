#pragma once
// What every console handler knows of its request (private to the console's
// sources: web_console.cpp and the pages built beside it).
#include <optional>
#include <string>

#include "cx/server/web_console.hpp"

namespace cx {

struct WebConsole::Page {
    Lang lang = Lang::Zh;
    bool lang_chosen = false;  // ?lang= named it: remembered in a cookie
    std::string path;
    std::optional<LiveSession> session;
    std::string session_id;  // the cookie value
};

}  // namespace cx
