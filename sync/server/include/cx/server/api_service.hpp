#pragma once
// What each endpoint of sync/PROTOCOL.md does, without HTTP: inputs are the
// Authorization header, the (inflated) body and query parameters, the output
// a status and a body. ApiServer carries these over libmicrohttpd.
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "cx/config/config_files.hpp"
#include "cx/scoring/scoring.hpp"
#include "cx/server/actor.hpp"
#include "cx/server/enrolment_codes.hpp"
#include "cx/server/fleet_report.hpp"
#include "cx/server/server_flags.hpp"
#include "cx/server/server_store.hpp"
#include "cx/server/tokens.hpp"

namespace cx {

struct DayState;

struct Reply {
    int status = 200;
    std::string body;         // JSON, or what content_type says (the console's pages)
    std::size_t records = 0;  // records in the request, for the request log
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers{};  // more response headers
};
Reply error_reply(ApiError error, std::string_view detail);

struct QueryParams {
    std::optional<std::string> from;
    std::optional<std::string> to;
    std::optional<std::string> site;
};

// The filter `params` select for `org` (from/to as days or UTC times, a site), or the
// 400 reply that names the bad parameter: for the API's reads and the console's pages.
std::variant<ResponseQuery, Reply> org_query(std::string_view org, const QueryParams& params);

class ApiService {
  public:
    ApiService(ServerStore& store, const ScoringConfig& config, FleetRules fleet = {});

    Reply health() const;
    // The device grant that may upload (a batch or a heartbeat), or the 401/403/503
    // reply that refuses it, from the Authorization header alone (before any body
    // byte is read).
    std::variant<TokenGrant, Reply> authorize_upload(std::string_view authorization);
    // A batch from `grant`'s device: each record is checked on its own (its
    // seal too, before the store's transaction); the valid ones are stored in one
    // transaction and the others named in the 200 (protocol v3). Whole-batch
    // errors only for what is no record's fault.
    Reply ingest(const TokenGrant& grant, std::string_view body);
    // `grant`'s device's latest heartbeat, kept with the server's time of receipt;
    // a body that breaks the schema is 400 invalid_heartbeat.
    Reply heartbeat(const TokenGrant& grant, std::string_view body);

    // POST /api/v1/enrol: trades a one-time code and the kiosk's public key for a
    // device token (sync/PROTOCOL.md "Enrolment"). Needs no token; any status but
    // 200 and 503 is a failed attempt the caller counts against the address.
    Reply enrol(std::string_view body);

    // The filter for {org}'s score or export, or the 400/401/403 reply that refuses it.
    std::variant<ResponseQuery, Reply> authorize_org_query(std::string_view authorization,
                                                           std::string_view org,
                                                           const QueryParams& params);

    // The same JSON as `cxscore score --assessment` over the records the query selects
    // and the org's current assessment (without one: management and grade are null),
    // with the integrity section; the server's own flags exclude as the kiosk's do.
    Reply score(const ResponseQuery& query);
    // The same JSON for records already collected (collect_day_states) and the org's
    // current assessment as `current_assessment` read it: a page that scores several
    // selections of one org reads the assessment once.
    Reply score_of(const DayState& records, const std::optional<Assessment>& assessment);
    // The score's summary of the same records (what `score` renders, before the
    // assessment and integrity are added): the console's workbook shows it.
    Result<ScoreSummary> score_summary(const ResponseQuery& query);

    // Who may save {org}'s management assessment (an admin token of that org), or the
    // 401/403/503 reply that refuses the caller, from the Authorization header alone.
    std::variant<Actor, Reply> authorize_assessment(std::string_view authorization,
                                                    std::string_view org);
    // PUT …/assessment: checks the document as `cxscore score --assessment` does (400
    // invalid_assessment with the line) and saves it as a new row by `actor`.
    Reply put_assessment(const Actor& actor, std::string_view org, std::string_view document);
    // GET …/assessment: the current (newest) one with its document; 404 when none.
    Reply assessment(std::string_view org);
    // GET …/assessment/history: every save, newest first, who and when.
    Reply assessment_history(std::string_view org);
    // GET /api/v1/management: the requirements and level descriptions (any valid token).
    Reply management(std::string_view authorization);
    // The org's chains, keys and late arrivals (sync/PROTOCOL.md "…/integrity").
    Reply integrity(std::string_view org);
    // Every device of the org with its health (sync/PROTOCOL.md "…/devices").
    Reply devices(std::string_view org);

    ServerStore& store() { return store_; }
    const ScoringConfig& config() const { return config_; }

  private:
    // The caller's grant, or the 401/503 reply.
    std::variant<TokenGrant, Reply> authenticate(std::string_view authorization);
    // The caller's grant when it has `role`, else the 401/403/503 reply; a 403 says
    // `only` and the token's role.
    std::variant<TokenGrant, Reply> authenticate_as(std::string_view authorization, Role role,
                                                    std::string_view only);

    ServerStore& store_;
    const ScoringConfig& config_;
    TokenService tokens_;
    FleetRules fleet_;
    EnrolmentService enrolment_;
};

// "YYYY-MM-DD" → that day 00:00:00Z; a full UTC timestamp as is; nullopt otherwise.
std::optional<std::string> normalize_time_bound(std::string_view text);

}  // namespace cx
