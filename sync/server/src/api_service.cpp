#include "cx/server/api_service.hpp"

#include <simdjson.h>

#include <chrono>

#include "cx/sync/protocol.hpp"
#include "cx/scoring/report.hpp"
#include "cx/scoring/response.hpp"

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

ApiService::ApiService(ServerStore& store, const ScoringConfig& config)
    : store_(store), config_(config), tokens_(store) {}

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

namespace {

std::string describe_record(std::size_t index, std::string_view id) {
    std::string text = "record " + std::to_string(index);
    if (!id.empty()) text += " (id " + std::string(id) + ")";
    return text;
}

// Names a record the way a person can find it in their batch, even when it is invalid.
std::string describe_element(std::size_t index, simdjson::dom::element element) {
    std::string_view id;
    if (element["id"].get(id) != simdjson::SUCCESS) id = {};
    return describe_record(index, id.size() <= 64 ? id : id.substr(0, 64));
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

std::string now_utc() {
    return format_utc_timestamp(
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

}  // namespace

Reply ApiService::ingest(std::string_view authorization, std::string_view body) {
    auto caller = authenticate(authorization);
    if (auto* refusal = std::get_if<Reply>(&caller)) return std::move(*refusal);
    const auto& grant = std::get<TokenGrant>(caller);
    if (grant.role != Role::Device)
        return error_reply(ApiError::Forbidden, "only device tokens may upload (this is a " +
                                                    std::string(to_string(grant.role)) + " token)");

    simdjson::dom::parser json;
    simdjson::padded_string padded(body);
    simdjson::dom::element document;
    if (auto error = json.parse(padded).get(document))
        return error_reply(ApiError::MalformedJson,
                           std::string("body is not JSON: ") + simdjson::error_message(error));
    simdjson::dom::array responses;
    if (document["responses"].get(responses) != simdjson::SUCCESS)
        return error_reply(ApiError::MalformedJson,
                           "body must be an object {\"responses\": [records]}");

    std::span<const Questionnaire> known{&config_.questionnaire, 1};
    ResponseParser parser(known);
    Response record;
    std::vector<StoredRecord> batch;
    batch.reserve(responses.size());
    std::size_t index = 0;
    for (auto element : responses) {
        if (!element.is_object())
            return error_reply(ApiError::MalformedJson,
                               describe_record(index, {}) + ": must be a JSON object");
        auto status = parser.parse(simdjson::minify(element), record);
        if (!status)
            return error_reply(ApiError::InvalidRecord,
                               describe_element(index, element) + ": " + status.error().message);
        if (auto mismatch = ownership_mismatch(record, grant))
            return error_reply(ApiError::Forbidden,
                               describe_record(index, record.id) + ": " + *mismatch);
        batch.push_back({record.id, record.org, record.site, record.device, record.seq,
                         record.submitted_at, to_canonical_json(record)});
        ++index;
    }

    auto outcomes = store_.ingest(batch, now_utc());
    if (!outcomes) {
        Reply reply = error_reply(ApiError::Unavailable, outcomes.error().message);
        reply.records = batch.size();
        return reply;
    }
    // Protocol v1 has no per-record refusal: a conflicting record fails the
    // reply as a whole (the other records are stored and count as duplicates
    // when the kiosk sends them again).
    BatchAck ack;
    for (std::size_t i = 0; i < outcomes.value().size(); ++i) {
        switch (outcomes.value()[i]) {
            case RecordOutcome::Stored:
                ++ack.stored;
                break;
            case RecordOutcome::Duplicate:
                ++ack.duplicates;
                break;
            case RecordOutcome::Conflict: {
                Reply reply = error_reply(ApiError::Conflict,
                                          describe_record(i, batch[i].id) +
                                              ": this id is already stored with different content");
                reply.records = batch.size();
                return reply;
            }
        }
    }
    Reply reply{200, encode_ack(ack), 0};
    reply.records = batch.size();
    return reply;
}

Reply ApiService::score(const ResponseQuery& query) {
    ScoreAccumulator accumulator(config_.questionnaire, config_.policy);
    ResponseParser parser({&config_.questionnaire, 1});
    Response record;
    std::size_t scored = 0;
    std::string unreadable;  // a stored record the current config refuses
    auto walked = for_each_record(store_, query, [&](std::string_view line) {
        auto parsed = parser.parse(line, record);
        if (!parsed) {
            if (unreadable.empty()) unreadable = parsed.error().message;
            return;
        }
        accumulator.add(record);
        ++scored;
    });
    if (!walked) return error_reply(ApiError::Unavailable, walked.error().message);
    if (!unreadable.empty())
        return error_reply(
            ApiError::Internal,
            "a stored record does not fit the server's questionnaire config: " + unreadable);
    auto report = make_report(accumulator, config_.questionnaire, config_.policy,
                              config_.management, std::nullopt);
    return {200, render_report_json(report), scored};
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
