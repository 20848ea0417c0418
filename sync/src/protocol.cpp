#include "cx/sync/protocol.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <climits>

#include "cx/scoring/response.hpp"

namespace cx {

namespace {

struct ApiErrorInfo {
    ApiError error;
    int status;
    std::string_view code;
};

constexpr ApiErrorInfo kApiErrors[] = {
    {ApiError::MalformedJson, 400, "malformed_json"},
    {ApiError::BadParameter, 400, "bad_parameter"},
    {ApiError::Unauthorized, 401, "unauthorized"},
    {ApiError::Forbidden, 403, "forbidden"},
    {ApiError::NotFound, 404, "not_found"},
    {ApiError::Conflict, 409, "conflict"},
    {ApiError::PayloadTooLarge, 413, "payload_too_large"},
    {ApiError::InvalidRecord, 422, "invalid_record"},
    {ApiError::BadSignature, 422, "bad_signature"},
    {ApiError::WrongKey, 422, "wrong_key"},
    {ApiError::Internal, 500, "internal"},
    {ApiError::Unavailable, 503, "unavailable"},
    {ApiError::BadRequest, 400, "bad_request"},
    {ApiError::UriTooLong, 414, "uri_too_long"},
    {ApiError::UnsupportedEncoding, 415, "unsupported_encoding"},
    {ApiError::TooManyRequests, 429, "too_many_requests"},
    {ApiError::HeadersTooLarge, 431, "headers_too_large"},
    {ApiError::InvalidHeartbeat, 400, "invalid_heartbeat"},
    {ApiError::UnknownCode, 403, "unknown_code"},
    {ApiError::CodeExpired, 410, "code_expired"},
    {ApiError::CodeUsed, 410, "code_used"},
    {ApiError::InvalidAssessment, 400, "invalid_assessment"},
};

const ApiErrorInfo& info(ApiError error) {
    for (const auto& entry : kApiErrors)
        if (entry.error == error) return entry;
    return kApiErrors[10];  // Internal: unreachable while the table lists every enumerator
}

}  // namespace

std::string_view to_string(ApiError error) {
    return info(error).code;
}

int http_status(ApiError error) {
    return info(error).status;
}

std::string encode_error(ApiError error, std::string_view detail) {
    return encode_error(error, detail, 0);
}

std::string encode_error(ApiError error, std::string_view detail, long line) {
    nlohmann::json body = {{"error", to_string(error)}, {"detail", detail}};
    if (line > 0) body["line"] = line;
    // A detail may quote a client's bytes that are not UTF-8: replace, never throw.
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<ErrorBody> decode_error(std::string_view body) {
    auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object() || !json.contains("error") || !json["error"].is_string())
        return std::nullopt;
    ErrorBody error{json["error"].get<std::string>(), {}};
    if (json.contains("detail") && json["detail"].is_string())
        error.detail = json["detail"].get<std::string>();
    return error;
}

std::string encode_batch(std::span<const PendingRecord> records) {
    std::size_t size = 32;
    for (const auto& record : records) size += record.json.size() + 1;
    std::string out;
    out.reserve(size);
    out += "{\"responses\":[";
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (i) out.push_back(',');
        out += records[i].json;
    }
    out += "]}";
    return out;
}

std::string encode_ack(const BatchAck& ack) {
    nlohmann::ordered_json refused = nlohmann::ordered_json::array();
    for (const auto& refusal : ack.refused)
        refused.push_back(nlohmann::ordered_json{{"index", refusal.index},
                                                 {"id", refusal.id},
                                                 {"error", refusal.code},
                                                 {"detail", refusal.detail}});
    nlohmann::ordered_json body = {
        {"stored", ack.stored}, {"duplicates", ack.duplicates}, {"refused", std::move(refused)}};
    // An id or detail may quote a client's bytes that are not UTF-8: replace, never throw.
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

std::optional<std::size_t> unsigned_field(const nlohmann::json& object, const char* key) {
    auto found = object.find(key);
    if (found == object.end() || !found->is_number_unsigned()) return std::nullopt;
    return found->get<std::size_t>();
}

std::optional<std::string> string_field(const nlohmann::json& object, const char* key) {
    auto found = object.find(key);
    if (found == object.end() || !found->is_string()) return std::nullopt;
    return found->get<std::string>();
}

std::optional<RecordRefusal> decode_refusal(const nlohmann::json& entry) {
    if (!entry.is_object()) return std::nullopt;
    auto index = unsigned_field(entry, "index");
    auto id = string_field(entry, "id");
    auto code = string_field(entry, "error");
    auto detail = string_field(entry, "detail");
    if (!index || !id || !code || !detail) return std::nullopt;
    return RecordRefusal{*index, std::move(*id), std::move(*code), std::move(*detail)};
}

}  // namespace

Result<BatchAck> decode_ack(std::string_view body) {
    auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    auto not_an_ack = [&] {
        return make_error(ErrorKind::Invalid,
                          "server reply is not {\"stored\": n, \"duplicates\": n, \"refused\": "
                          "[…]}: " +
                              std::string(body.substr(0, 200)));
    };
    if (!json.is_object()) return not_an_ack();
    auto stored = unsigned_field(json, "stored");
    auto duplicates = unsigned_field(json, "duplicates");
    auto refused = json.find("refused");
    if (!stored || !duplicates || refused == json.end() || !refused->is_array())
        return not_an_ack();
    BatchAck ack{*stored, *duplicates, {}};
    for (const auto& entry : *refused) {
        auto refusal = decode_refusal(entry);
        if (!refusal) return not_an_ack();
        ack.refused.push_back(std::move(*refusal));
    }
    return ack;
}

std::string encode_heartbeat(const Heartbeat& heartbeat) {
    nlohmann::ordered_json body = {
        {"version", heartbeat.version},
        {"uptime_s", heartbeat.uptime_s},
        {"waiting", heartbeat.waiting},
        {"refused", heartbeat.refused},
        {"last_activity", heartbeat.last_activity ? nlohmann::ordered_json(*heartbeat.last_activity)
                                                  : nlohmann::ordered_json(nullptr)},
        {"free_disk_bytes", heartbeat.free_disk_bytes},
        {"clock_offset_ms", heartbeat.clock_offset_ms
                                ? nlohmann::ordered_json(*heartbeat.clock_offset_ms)
                                : nlohmann::ordered_json(nullptr)}};
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

constexpr std::size_t kMaxVersionChars = 64;

Error heartbeat_error(std::string_view field, std::string_view why) {
    return make_error(ErrorKind::Invalid, std::string(field) + ": " + std::string(why));
}

// A whole number ≥ 0 (counts, bytes, seconds).
Result<std::int64_t> count_field(const nlohmann::json& body, std::string_view field) {
    const auto& value = body.at(std::string(field));
    if (!value.is_number_integer() ||
        (value.is_number_unsigned() && value.get<std::uint64_t>() > INT64_MAX))
        return heartbeat_error(field, "must be an integer ≥ 0");
    auto number = value.get<std::int64_t>();
    if (number < 0) return heartbeat_error(field, "must be an integer ≥ 0");
    return number;
}

}  // namespace

Result<Heartbeat> decode_heartbeat(std::string_view body) {
    static const std::array<std::string_view, 7> kFields{
        "version",       "uptime_s",        "waiting",        "refused",
        "last_activity", "free_disk_bytes", "clock_offset_ms"};
    auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object()) return make_error(ErrorKind::Invalid, "body must be a JSON object");
    for (const auto& [name, _] : json.items())
        if (std::find(kFields.begin(), kFields.end(), name) == kFields.end())
            return heartbeat_error(name.substr(0, 64), "unknown field");
    for (auto field : kFields)
        if (!json.contains(std::string(field))) return heartbeat_error(field, "missing");
    Heartbeat heartbeat;
    const auto& version = json["version"];
    if (!version.is_string() || version.get_ref<const std::string&>().empty() ||
        version.get_ref<const std::string&>().size() > kMaxVersionChars)
        return heartbeat_error("version", "must be a string of 1–64 characters");
    heartbeat.version = version.get<std::string>();
    for (auto [field, slot] :
         {std::pair{"uptime_s", &heartbeat.uptime_s}, std::pair{"waiting", &heartbeat.waiting},
          std::pair{"refused", &heartbeat.refused},
          std::pair{"free_disk_bytes", &heartbeat.free_disk_bytes}}) {
        auto number = count_field(json, field);
        if (!number) return number.error();
        *slot = number.value();
    }
    if (const auto& activity = json["last_activity"]; !activity.is_null()) {
        if (!activity.is_string() || !parse_utc_timestamp(activity.get<std::string>()))
            return heartbeat_error("last_activity", "must be null or YYYY-MM-DDTHH:MM:SSZ");
        heartbeat.last_activity = activity.get<std::string>();
    }
    if (const auto& offset = json["clock_offset_ms"]; !offset.is_null()) {
        if (!offset.is_number_integer() ||
            (offset.is_number_unsigned() && offset.get<std::uint64_t>() > INT64_MAX))
            return heartbeat_error("clock_offset_ms", "must be null or an integer");
        heartbeat.clock_offset_ms = offset.get<std::int64_t>();
    }
    return heartbeat;
}

}  // namespace cx
