#include "cx/sync/protocol.hpp"

#include <nlohmann/json.hpp>

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
    {ApiError::Internal, 500, "internal"},
    {ApiError::Unavailable, 503, "unavailable"},
    {ApiError::BadRequest, 400, "bad_request"},
    {ApiError::UriTooLong, 414, "uri_too_long"},
    {ApiError::UnsupportedEncoding, 415, "unsupported_encoding"},
    {ApiError::TooManyRequests, 429, "too_many_requests"},
    {ApiError::HeadersTooLarge, 431, "headers_too_large"},
};

const ApiErrorInfo& info(ApiError error) {
    for (const auto& entry : kApiErrors)
        if (entry.error == error) return entry;
    return kApiErrors[8];  // Internal: unreachable while the table lists every enumerator
}

}  // namespace

std::string_view to_string(ApiError error) {
    return info(error).code;
}

int http_status(ApiError error) {
    return info(error).status;
}

std::string encode_error(ApiError error, std::string_view detail) {
    nlohmann::json body = {{"error", to_string(error)}, {"detail", detail}};
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
    return "{\"stored\":" + std::to_string(ack.stored) +
           ",\"duplicates\":" + std::to_string(ack.duplicates) + "}";
}

Result<BatchAck> decode_ack(std::string_view body) {
    auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    auto count = [&](const char* key) -> std::optional<std::size_t> {
        if (!json.is_object() || !json.contains(key) || !json[key].is_number_unsigned())
            return std::nullopt;
        return json[key].get<std::size_t>();
    };
    auto stored = count("stored");
    auto duplicates = count("duplicates");
    if (!stored || !duplicates)
        return Error{"server reply is not {\"stored\": n, \"duplicates\": n}: " +
                     std::string(body.substr(0, 200))};
    return BatchAck{*stored, *duplicates};
}

}  // namespace cx
