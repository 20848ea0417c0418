#include "cx/server/api_service.hpp"

#include <simdjson.h>

#include <algorithm>
#include <chrono>

#include "cx/integrity/chain_audit.hpp"
#include "cx/integrity/seal.hpp"
#include "cx/scoring/report.hpp"
#include "cx/scoring/response.hpp"
#include "cx/server/assessments.hpp"
#include "cx/server/day_score.hpp"
#include "cx/server/integrity_report.hpp"
#include "cx/server/seal_gate.hpp"
#include "cx/sync/enrolment.hpp"
#include "cx/sync/protocol.hpp"

namespace cx {

Reply error_reply(ApiError error, std::string_view detail) {
    return {http_status(error), encode_error(error, detail), 0};
}

std::optional<std::string> normalize_time_bound(std::string_view text) {
    if (text.size() == 10) {
        std::string midnight = std::string(text) + "T00:00:00Z";
        if (parse_utc_timestamp(midnight)) return midnight;
        return std::nullopt;
    }
    if (parse_utc_timestamp(text)) return std::string(text);
    return std::nullopt;
}

ApiService::ApiService(ServerStore& store, const ScoringConfig& config, FleetRules fleet)
    : store_(store), config_(config), tokens_(store), fleet_(fleet), enrolment_(store) {}

Reply ApiService::health() const {
    return {200, "{\"status\":\"ok\",\"protocol\":" + std::to_string(kProtocolVersion) + "}", 0};
}

std::variant<TokenGrant, Reply> ApiService::authenticate(std::string_view authorization) {
    if (authorization.empty())
        return error_reply(ApiError::Unauthorized, "missing Authorization: Bearer <token> header");
    auto token = bearer_token(authorization);
    if (!token)
        return error_reply(ApiError::Unauthorized,
                           "Authorization must be \"Bearer <64 hex characters>\"");
    auto grant = tokens_.authenticate(*token);
    if (!grant) return error_reply(ApiError::Unavailable, grant.error().message);
    if (!grant.value()) return error_reply(ApiError::Unauthorized, "unknown or revoked token");
    return *grant.value();
}

std::variant<TokenGrant, Reply> ApiService::authenticate_as(std::string_view authorization,
                                                            Role role, std::string_view only) {
    auto caller = authenticate(authorization);
    if (auto* refusal = std::get_if<Reply>(&caller)) return std::move(*refusal);
    const auto& grant = std::get<TokenGrant>(caller);
    if (grant.role != role)
        return error_reply(ApiError::Forbidden, std::string(only) + " (this is a " +
                                                    std::string(to_string(grant.role)) + " token)");
    return grant;
}

std::variant<TokenGrant, Reply> ApiService::authorize_upload(std::string_view authorization) {
    return authenticate_as(authorization, Role::Device,
                           "only device tokens may upload or send heartbeats");
}

namespace {

// The id a refusal names: the record's own, even when the record is invalid
// (bounded, so a hostile id is not echoed at length).
std::string element_id(simdjson::dom::element element) {
    std::string_view id;
    if (element["id"].get(id) != simdjson::SUCCESS) return {};
    return std::string(id.substr(0, 64));
}

std::optional<std::string> ownership_mismatch(const Response& record, const TokenGrant& grant) {
    for (auto [field, value, expected] : {std::tuple{"device", &record.device, &grant.device},
                                          std::tuple{"org", &record.org, &grant.org},
                                          std::tuple{"site", &record.site, &grant.site}})
        if (*value != *expected)
            return std::string(field) + " \"" + *value + "\" is not this token's " + field + " \"" +
                   *expected + "\"";
    return std::nullopt;
}

RecordRefusal refusal(std::size_t index, std::string id, ApiError error, std::string detail) {
    return {index, std::move(id), std::string(to_string(error)), std::move(detail)};
}

// The body's DOM parser and its padded copy, kept by each worker thread from
// one batch to the next: fresh ones are mmap'ed (cxserver fixes glibc's mmap
// threshold, api_server.cpp) and page-faulted in for every batch, which cost
// more than a tenth of ingest. What a larger than usual body made them grow to
// is given back when its ingest ends.
class BatchDocument {
  public:
    BatchDocument() = default;
    BatchDocument(const BatchDocument&) = delete;
    BatchDocument& operator=(const BatchDocument&) = delete;
    ~BatchDocument() {
        if (kept().parser.capacity() > kKeptCapacity) kept().parser = simdjson::dom::parser{};
        if (kept().padded.capacity() > kKeptCapacity) std::string().swap(kept().padded);
    }

    // The document stays valid until this object is destroyed.
    simdjson::simdjson_result<simdjson::dom::element> parse(std::string_view body) {
        auto& padded = kept().padded;
        padded.assign(body);
        padded.append(simdjson::SIMDJSON_PADDING, '\0');
        return kept().parser.parse(padded.data(), body.size(), /*realloc_if_needed=*/false);
    }

  private:
    static constexpr std::size_t kKeptCapacity = 1024 * 1024;  // a 500-record batch is ~250 KB
    struct Kept {
        simdjson::dom::parser parser;
        std::string padded;
    };
    static Kept& kept() {
        thread_local Kept state;
        return state;
    }
};

}  // namespace

Reply ApiService::ingest(const TokenGrant& grant, std::string_view body) {
    BatchDocument batch;
    simdjson::dom::element document;
    if (auto error = batch.parse(body).get(document))
        return error_reply(ApiError::MalformedJson,
                           std::string("body is not JSON: ") + simdjson::error_message(error));
    simdjson::dom::array responses;
    if (document["responses"].get(responses) != simdjson::SUCCESS)
        return error_reply(ApiError::MalformedJson,
                           "body must be an object {\"responses\": [records]}");

    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    ResponseParser parser({&config_.questionnaire, 1});
    SealGate seals(store_, grant, format_utc_timestamp(now));
    Response record;
    BatchAck ack;
    std::vector<StoredRecord> valid;
    std::vector<Response> parsed_records;  // each valid record as parsed, for its day state
    std::vector<ServerFlags> flags;        // of each valid record
    std::vector<std::size_t> valid_index;  // batch index of each valid record
    valid.reserve(responses.size());
    parsed_records.reserve(responses.size());
    std::size_t index = 0;
    for (auto element : responses) {
        // Not even an object: the body is malformed, which is no one record's fault.
        if (!element.is_object())
            return error_reply(ApiError::MalformedJson,
                               "record " + std::to_string(index) + ": must be a JSON object");
        if (auto parsed = parser.parse(element, record); !parsed) {
            ack.refused.push_back(refusal(index, element_id(element), ApiError::InvalidRecord,
                                          parsed.error().message));
        } else if (auto mismatch = ownership_mismatch(record, grant)) {
            ack.refused.push_back(refusal(index, record.id, ApiError::Forbidden, *mismatch));
        } else if (auto sealed = seals.check(record); !sealed) {
            return error_reply(ApiError::Unavailable, sealed.error().message);
        } else if (sealed.value()) {
            ack.refused.push_back(refusal(index, record.id, sealed.value()->error,
                                          std::move(sealed.value()->detail)));
        } else {
            valid.push_back(stored_record(record));
            parsed_records.push_back(record);
            flags.push_back(record_server_flags(record, now, config_.policy));
            valid_index.push_back(index);
        }
        ++index;
    }
    if (auto marked = mark_bursts(store_, valid, flags, config_.policy); !marked)
        return error_reply(ApiError::Unavailable, marked.error().message);
    for (std::size_t i = 0; i < valid.size(); ++i) valid[i].server_flags = flags[i].json();

    ScoringDayFolder days(config_, std::move(parsed_records));
    auto outcomes = store_.ingest(valid, format_utc_timestamp(now), days);
    if (!outcomes) return error_reply(ApiError::Unavailable, outcomes.error().message);
    for (std::size_t i = 0; i < valid.size(); ++i) {
        switch (outcomes.value()[i]) {
            case RecordOutcome::Stored:
                ++ack.stored;
                break;
            case RecordOutcome::Duplicate:
                ++ack.duplicates;
                break;
            case RecordOutcome::Conflict:
                ack.refused.push_back(refusal(valid_index[i], valid[i].id, ApiError::Conflict,
                                              "this id is already stored with different content"));
                break;
        }
    }
    std::sort(ack.refused.begin(), ack.refused.end(),
              [](const RecordRefusal& a, const RecordRefusal& b) { return a.index < b.index; });
    return {200, encode_ack(ack), index};
}

Reply ApiService::heartbeat(const TokenGrant& grant, std::string_view body) {
    auto beat = decode_heartbeat(body);
    if (!beat) return error_reply(ApiError::InvalidHeartbeat, beat.error().message);
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    const auto received_at = format_utc_timestamp(now);
    if (auto kept = store_.put_heartbeat(
            {grant.org, grant.site, grant.device, received_at, std::move(beat.value())});
        !kept)
        return error_reply(ApiError::Unavailable, kept.error().message);
    return {200, "{\"received_at\":\"" + received_at + "\"}", 0};
}

Reply ApiService::devices(std::string_view org) {
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    auto body = org_devices_json(store_, org, fleet_, now);
    if (!body) return error_reply(ApiError::Unavailable, body.error().message);
    return {200, std::move(body.value()), 0};
}

Reply ApiService::enrol(std::string_view body) {
    auto request = decode_enrol_request(body);
    if (!request) return error_reply(ApiError::MalformedJson, request.error().message);
    auto code = normalize_enrolment_code(request.value().code);
    if (!code)
        return error_reply(ApiError::BadParameter, "code must be " +
                                                       std::to_string(kEnrolmentCodeDigits) +
                                                       " digits (dashes and spaces are ignored)");
    const auto& pubkey = request.value().pubkey;
    if (auto key = integrity::PublicKey::from_hex(pubkey); !key)
        return error_reply(ApiError::BadParameter, "pubkey: " + key.error().message);
    auto outcome = enrolment_.enrol(*code, pubkey);
    if (!outcome) return error_reply(ApiError::Unavailable, outcome.error().message);
    if (auto* refusal = std::get_if<EnrolmentRefusal>(&outcome.value())) {
        switch (*refusal) {
            case EnrolmentRefusal::Unknown:
                return error_reply(ApiError::UnknownCode,
                                   "no such enrolment code; check the digits, or ask for a new "
                                   "code (cxserver enrol-code)");
            case EnrolmentRefusal::Expired:
                return error_reply(ApiError::CodeExpired,
                                   "this enrolment code has expired; ask for a new one");
            case EnrolmentRefusal::Used:
                return error_reply(ApiError::CodeUsed,
                                   "this enrolment code was used already (a code works once); "
                                   "ask for a new one");
        }
    }
    const auto& issued = std::get<IssuedToken>(outcome.value());
    return {200,
            encode_enrol_reply(
                {issued.token, issued.grant.org, issued.grant.site, issued.grant.device}),
            0};
}

Reply ApiService::score(const ResponseQuery& query) {
    DayState records(config_);
    if (auto collected = collect_day_states(store_, query, records); !collected) {
        const auto& error = collected.error();
        return error_reply(
            error.kind == ErrorKind::Internal ? ApiError::Internal : ApiError::Unavailable,
            error.message);
    }
    // The latest assessment counts whatever the period (sync/PROTOCOL.md "Management
    // assessment").
    auto assessment = current_assessment(store_, query.org, config_.management);
    if (!assessment)
        return error_reply(assessment.error().kind == ErrorKind::Invalid ? ApiError::Internal
                                                                         : ApiError::Unavailable,
                           assessment.error().message);
    return score_of(records, assessment.value());
}

Reply ApiService::score_of(const DayState& records, const std::optional<Assessment>& assessment) {
    auto report = make_report(records.scores, config_.questionnaire, config_.policy,
                              config_.management, assessment);
    IntegritySummary integrity{true, {}, {}};
    // Stored before integrity and not yet re-sent sealed: not evidence.
    if (records.unsigned_records) integrity.excluded["unsigned"] = records.unsigned_records;
    // A score selects a period or a site: chains are audited from their first selected
    // record, as `cxscore score` does on the export of the same query (whole chains from
    // seq 1: GET …/integrity).
    integrity.devices = records.chains.report(integrity::ChainStart::FirstRecord);
    report.integrity = std::move(integrity);
    return {200, render_report_json(report), static_cast<std::size_t>(records.scores.responses())};
}

Result<ScoreSummary> ApiService::score_summary(const ResponseQuery& query) {
    DayState records(config_);
    if (auto collected = collect_day_states(store_, query, records); !collected)
        return collected.error();
    return records.scores.summarize();
}

std::variant<Actor, Reply> ApiService::authorize_assessment(std::string_view authorization,
                                                            std::string_view org) {
    auto caller = authenticate_as(authorization, Role::Admin,
                                  "only an admin token of the org may save its assessment");
    if (auto* refusal = std::get_if<Reply>(&caller)) return std::move(*refusal);
    auto actor = token_actor(std::get<TokenGrant>(caller));
    if (!actor.may_act_for(org))
        return error_reply(ApiError::Forbidden, "this token is for org \"" +
                                                    actor.org.value_or("") + "\", not \"" +
                                                    std::string(org) + "\"");
    return actor;
}

Reply ApiService::put_assessment(const Actor& actor, std::string_view org,
                                 std::string_view document) {
    auto checked = check_assessment(document, org, config_.management);
    if (!checked) {
        const auto& error = checked.error();
        return {http_status(ApiError::InvalidAssessment),
                encode_error(ApiError::InvalidAssessment,
                             (error.line > 0 ? "line " + std::to_string(error.line) + ": " : "") +
                                 error.message,
                             error.line),
                0};
    }
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    auto saved = saved_assessment(checked.value(), document, actor, format_utc_timestamp(now),
                                  config_.management);
    auto id = store_.add_assessment(saved);
    if (!id) return error_reply(ApiError::Unavailable, id.error().message);
    saved.id = id.value();
    return {200, assessment_json(saved, config_.management, false), 0};
}

Reply ApiService::assessment(std::string_view org) {
    auto latest = latest_assessment(store_, org);
    if (!latest) return error_reply(ApiError::Unavailable, latest.error().message);
    if (!latest.value())
        return error_reply(ApiError::NotFound, "no management assessment is saved for org \"" +
                                                   std::string(org) +
                                                   "\" (PUT one to this address)");
    return {200, assessment_json(*latest.value(), config_.management, true), 0};
}

Reply ApiService::assessment_history(std::string_view org) {
    auto history = store_.assessments(org, kAssessmentHistoryLimit);
    if (!history) return error_reply(ApiError::Unavailable, history.error().message);
    return {200, assessment_history_json(org, history.value(), config_.management), 0};
}

Reply ApiService::management(std::string_view authorization) {
    auto caller = authenticate(authorization);
    if (auto* refusal = std::get_if<Reply>(&caller)) return std::move(*refusal);
    return {200, management_scheme_json(config_.management), 0};
}

Reply ApiService::integrity(std::string_view org) {
    auto body = org_integrity_json(store_, org);
    if (!body) return error_reply(ApiError::Unavailable, body.error().message);
    return {200, std::move(body.value()), 0};
}

std::variant<ResponseQuery, Reply> ApiService::authorize_org_query(std::string_view authorization,
                                                                   std::string_view org,
                                                                   const QueryParams& params) {
    auto caller = authenticate(authorization);
    if (auto* refusal = std::get_if<Reply>(&caller)) return std::move(*refusal);
    const auto& grant = std::get<TokenGrant>(caller);
    if (grant.role == Role::Device)
        return error_reply(ApiError::Forbidden, "a device token cannot read scores or exports");
    if (grant.org != org)
        return error_reply(ApiError::Forbidden, "this token is for org \"" + grant.org +
                                                    "\", not \"" + std::string(org) + "\"");
    return org_query(org, params);
}

std::variant<ResponseQuery, Reply> org_query(std::string_view org, const QueryParams& params) {
    ResponseQuery query{std::string(org), params.site, {}, {}};
    if (params.site && !is_valid_identifier(*params.site))
        return error_reply(ApiError::BadParameter, "site must be 1–64 of A–Z a–z 0–9 . _ -");
    for (auto [name, given, bound] :
         {std::tuple{"from", &params.from, &query.from}, std::tuple{"to", &params.to, &query.to}}) {
        if (!*given) continue;
        *bound = normalize_time_bound(**given);
        if (!*bound)
            return error_reply(ApiError::BadParameter,
                               std::string(name) + " must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
    }
    return query;
}

}  // namespace cx
