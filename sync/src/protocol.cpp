#include "cx/protocol.hpp"

#include <nlohmann/json.hpp>

namespace cx {

std::string_view to_string(ApiError error) {
    switch (error) {
        case ApiError::MalformedJson:
            return "malformed_json";
        case ApiError::BadParameter:
            return "bad_parameter";
        case ApiError::Unauthorized:
            return "unauthorized";
        case ApiError::Forbidden:
            return "forbidden";
        case ApiError::NotFound:
            return "not_found";
        case ApiError::Conflict:
            return "conflict";
        case ApiError::PayloadTooLarge:
            return "payload_too_large";
        case ApiError::InvalidRecord:
            return "invalid_record";
        case ApiError::Internal:
            return "internal";
        case ApiError::Unavailable:
            return "unavailable";
    }
    return "internal";
}

int http_status(ApiError error) {
    switch (error) {
        case ApiError::MalformedJson:
            return 400;
        case ApiError::BadParameter:
            return 400;
        case ApiError::Unauthorized:
            return 401;
        case ApiError::Forbidden:
            return 403;
        case ApiError::NotFound:
            return 404;
        case ApiError::Conflict:
            return 409;
        case ApiError::PayloadTooLarge:
            return 413;
        case ApiError::InvalidRecord:
            return 422;
        case ApiError::Internal:
            return 500;
        case ApiError::Unavailable:
            return 503;
    }
    return 500;
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
