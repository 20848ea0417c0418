#pragma once
// The console's Organisations and Organisation pages (README "The certifier's
// console"). Every figure comes from the JSON the API serves for the same query
// (ApiService::score, integrity, devices) and is written as that JSON writes it, so
// the pages and the endpoints agree to the last digit; the weekly trend is the score
// of each week, from the same day states (no page view reads every record).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cx/server/api_service.hpp"
#include "cx/server/console_text.hpp"
#include "cx/server/people.hpp"

namespace cx {

// Whole UTC days [from, to): `to` is not included, as the API's `to`.
struct Period {
    std::chrono::sys_days from;
    std::chrono::sys_days to;
    std::optional<std::string> site;
};
inline constexpr int kDefaultPeriodDays = 90;
// The last 90 days, today included.
Period default_period(std::chrono::sys_days today);
// The page's ?from=&to=&site= (each optional: a missing one from the default);
// nullopt when a day is not YYYY-MM-DD, from is not before to, or the site is no
// identifier.
std::optional<Period> parse_period(const QueryParams& params, std::chrono::sys_days today);
std::string day_text(std::chrono::sys_days day);  // "YYYY-MM-DD"
// `path` with the period as its query (the links that keep the period).
std::string period_href(std::string_view path, const Period& period);
ResponseQuery period_query(std::string_view org, const Period& period);
// The report's and the exports' selection: the API's ?from&to&site (days or
// timestamps, as org_query reads them), a missing or empty bound the default
// period's, so a page's links select what the page showed and a bare address what a
// bare page shows. A bad parameter: org_query's 400.
std::variant<ResponseQuery, Reply> console_query(std::string_view org, QueryParams params,
                                                 std::chrono::sys_days today);
std::chrono::sys_days utc_today();

// What a page needs of its request.
struct PageContext {
    Lang lang;
    std::string_view path;
    const std::optional<LiveSession>& session;
    bool saved = false;  // an assessment was just saved (a confirmation shows)
};

class OrgPages {
  public:
    explicit OrgPages(ApiService& api) : api_(api) {}
    // The HTML, or the error of the store (or of a stored record) that stopped it.
    Result<std::string> organisations(const PageContext& context,
                                      const std::vector<std::string>& orgs, const Period& period);
    Result<std::string> organisation(const PageContext& context, std::string_view org,
                                     const Period& period);

  private:
    ApiService& api_;
};

}  // namespace cx
