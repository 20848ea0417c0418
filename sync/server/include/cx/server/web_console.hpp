#pragma once
// The certifier's console: server-rendered pages in Chinese and English behind a
// sign-in (README "The certifier's console"). Like ApiService it knows no HTTP
// library: ApiServer hands it a WebRequest and sends the Reply (after `hold`).
//
//   GET  /                    sign-in page (303 to /console when signed in)
//   POST /signin              name, password, csrf (double-submit: the cx_signin cookie)
//   POST /signout             csrf (the session's secret)
//   GET  /console             the organisations with their figures (a viewer: 303 to theirs)
//   GET  /console/orgs/{org}  one organisation (404 for a viewer of another), its grade
//   GET  /console/orgs/{org}/assessment   the management assessment form (certifiers)
//   POST /console/orgs/{org}/assessment   saves it as PUT …/assessment does
//   GET  /console/orgs/{org}/report       the printable A4 report
//   GET  /console/orgs/{org}/responses.jsonl|csv|xlsx   the period's records, streamed
//   (the GETs take ?from&to&site, the period every figure follows: days YYYY-MM-DD, the
//   report and exports also the API's timestamps; missing bounds: the last 90 days)
//   GET  /assets/console.css  the stylesheet, built in
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cx/server/api_service.hpp"
#include "cx/server/assessment_form.hpp"
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
    std::string body;         // a POST's form
    bool saved = false;       // ?saved=1: a form was just saved (a confirmation shows)
    std::string csrf_header;  // X-CSRF-Token: a session's JSON request (PUT …/assessment)
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
    // PUT …/assessment with a session: a certifier's, whose X-CSRF-Token matches, acts
    // for every org; else the 401/403/503 JSON reply.
    std::variant<Actor, Reply> authorize_assessment(const WebRequest& request);
    // GET /console/orgs/{org}/responses.jsonl|csv: the records a signed-in user who
    // may see `org` selects (?from&to&site), or the page that answers instead (303
    // to sign-in, 404, 400 for a bad period, 503).
    std::variant<ResponseQuery, Reply> authorize_export(const WebRequest& request,
                                                        std::string_view org);

  private:
    struct Page;                                     // the request's language, path and session
    Page page_for(const WebRequest& request) const;  // its language and path, no session yet
    WebAnswer respond(const Page& page, int status, std::string html) const;
    WebAnswer redirect(const Page& page, std::string_view location) const;
    WebAnswer message_page(const Page& page, int status, ConsoleText title,
                           ConsoleText message) const;
    WebAnswer unavailable(const Page& page) const;  // 503: the store failed
    WebAnswer sign_in_page(const Page& page, int status, std::optional<ConsoleText> problem) const;
    WebAnswer sign_in(const Page& page, const WebRequest& request);
    WebAnswer sign_out(const Page& page, const WebRequest& request);
    WebAnswer home(const Page& page, const QueryParams& params);
    // /console/orgs/{org} and the pages under it (assessment_pages.cpp, report_page.cpp).
    WebAnswer route_org_pages(const Page& page, const WebRequest& request);
    WebAnswer organisation(const Page& page, std::string_view org, const WebRequest& request);
    WebAnswer assessment_page(const Page& page, std::string_view org, const Period& period,
                              int status, std::optional<AssessmentFormValues> entered,
                              const std::optional<FieldProblem>& problem);
    WebAnswer save_assessment(const Page& page, const WebRequest& request, std::string_view org,
                              const Period& period);
    WebAnswer report_page(const Page& page, const WebRequest& request, std::string_view org);
    // Whether the user may see `org`'s pages (a viewer: only their own).
    Result<bool> may_see(const User& user, std::string_view org);
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
