#pragma once
// The certifier's console: server-rendered pages in Chinese and English behind a
// sign-in (README "The certifier's console"). Like ApiService it knows no HTTP
// library: ApiServer hands it a WebRequest and sends the Reply (after `hold`).
//
//   GET  /                    sign-in page (303 to /console when signed in)
//   POST /signin              name, password, csrf (double-submit: the cx_signin cookie)
//   POST /signout             csrf (the session's secret)
//   GET  /console             the organisations with their figures (a viewer: 303 to theirs)
//   GET  /console/orgs/{org}  one organisation (404 for a viewer of another)
//   (both take ?from=YYYY-MM-DD&to=YYYY-MM-DD&site=S, the period every figure follows)
//   GET  /assets/console.css  the stylesheet, built in
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cx/server/api_service.hpp"
#include "cx/server/console_text.hpp"
#include "cx/server/failure_limiter.hpp"
#include "cx/server/org_pages.hpp"
#include "cx/server/user_accounts.hpp"
#include "cx/server/web_sessions.hpp"

namespace cx {

// Failed sign-ins: slowed (250 ms more per failure, at most 1 s) after `slow_after`,
// refused after `refuse_after`; each failure is forgiven after 30 s.
constexpr FailureLimitPolicy sign_in_policy(double slow_after, double refuse_after) {
    return {slow_after,
            refuse_after,
            1.0 / 30,
            std::chrono::milliseconds{250},
            std::chrono::milliseconds{1000},
            4096};
}
// From one address: a shared office may hold several people, so more than for one name.
inline constexpr FailureLimitPolicy kSignInByAddress = sign_in_policy(5, 15);
// For one name, from anywhere.
inline constexpr FailureLimitPolicy kSignInByName = sign_in_policy(3, 8);

inline constexpr std::size_t kMaxFormBody = 16 * 1024;

struct ConsoleOptions {
    SessionPolicy sessions;
    bool secure_cookies = false;  // set when cxserver serves HTTPS
};

// What the console needs of one request.
struct WebRequest {
    std::string method;
    std::string path;                 // without the query
    std::string address;              // the client, as the limiters key it
    std::optional<std::string> lang;  // ?lang=
    QueryParams params;               // ?from=&to=&site= (the pages' period)
    std::string accept_language;
    std::map<std::string, std::string, std::less<>> cookies;
    std::string body;  // a POST's form
};

struct WebAnswer {
    Reply reply;
    std::chrono::milliseconds hold{};  // a failed sign-in's reply is held back this long
};

class WebConsole {
  public:
    WebConsole(ApiService& api, ConsoleOptions options);

    // GET and POST of the paths above (route_of sends them here).
    WebAnswer handle(const WebRequest& request);

  private:
    struct Page;  // the request's language, path and session
    WebAnswer respond(const Page& page, int status, std::string html) const;
    WebAnswer redirect(const Page& page, std::string_view location) const;
    WebAnswer message_page(const Page& page, int status, ConsoleText title,
                           ConsoleText message) const;
    WebAnswer unavailable(const Page& page) const;  // 503: the store failed
    WebAnswer sign_in_page(const Page& page, int status, std::optional<ConsoleText> problem) const;
    WebAnswer sign_in(const Page& page, const WebRequest& request);
    WebAnswer sign_out(const Page& page, const WebRequest& request);
    WebAnswer home(const Page& page, const QueryParams& params);
    WebAnswer organisation(const Page& page, std::string_view org, const QueryParams& params);
    // A certifier's: every organisation; a viewer's: their own.
    Result<std::vector<std::string>> visible_orgs(const User& user);

    ApiService& api_;
    ConsoleOptions options_;
    UserAccounts accounts_;
    WebSessions sessions_;
    OrgPages org_pages_;
    FailureLimiter by_address_{kSignInByAddress};
    FailureLimiter by_name_{kSignInByName};
};

}  // namespace cx
