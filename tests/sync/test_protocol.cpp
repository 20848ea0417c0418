// The protocol's bodies and codes, and the request log line.
#include <catch2/catch.hpp>

#include "cx/server/request_log.hpp"
#include "cx/sync/protocol.hpp"

using namespace cx;

TEST_CASE("every API error has its status and wire code") {
    struct Expected {
        ApiError error;
        int status;
        std::string_view code;
    };
    for (auto [error, status, code] :
         {Expected{ApiError::MalformedJson, 400, "malformed_json"},
          Expected{ApiError::BadParameter, 400, "bad_parameter"},
          Expected{ApiError::Unauthorized, 401, "unauthorized"},
          Expected{ApiError::Forbidden, 403, "forbidden"},
          Expected{ApiError::NotFound, 404, "not_found"},
          Expected{ApiError::Conflict, 409, "conflict"},
          Expected{ApiError::PayloadTooLarge, 413, "payload_too_large"},
          Expected{ApiError::InvalidRecord, 422, "invalid_record"},
          Expected{ApiError::Internal, 500, "internal"},
          Expected{ApiError::Unavailable, 503, "unavailable"},
          Expected{ApiError::BadRequest, 400, "bad_request"},
          Expected{ApiError::UriTooLong, 414, "uri_too_long"},
          Expected{ApiError::UnsupportedEncoding, 415, "unsupported_encoding"},
          Expected{ApiError::TooManyRequests, 429, "too_many_requests"},
          Expected{ApiError::HeadersTooLarge, 431, "headers_too_large"},
          Expected{ApiError::InvalidHeartbeat, 400, "invalid_heartbeat"}}) {
        CHECK(http_status(error) == status);
        CHECK(to_string(error) == code);
    }
}

TEST_CASE("an error body round-trips, quotes included, and bad UTF-8 does not throw") {
    auto body = encode_error(ApiError::InvalidRecord, "record 2: field \"seq\" must be ≥ 1");
    auto decoded = decode_error(body);
    REQUIRE(decoded);
    CHECK(decoded->code == "invalid_record");
    CHECK(decoded->detail == "record 2: field \"seq\" must be ≥ 1");
    CHECK(decode_error(encode_error(ApiError::MalformedJson, "\xff\xfe")));
    CHECK_FALSE(decode_error("<html>502 Bad Gateway</html>"));
    CHECK_FALSE(decode_error("{\"detail\":\"no code\"}"));
}

TEST_CASE("a batch embeds the canonical lines verbatim") {
    std::vector<PendingRecord> records = {{"a", "{\"x\":1}"}, {"b", "{\"y\":2}"}};
    CHECK(encode_batch(records) == "{\"responses\":[{\"x\":1},{\"y\":2}]}");
    CHECK(encode_batch({}) == "{\"responses\":[]}");
}

TEST_CASE("acks round-trip with their refused records, and a reply that is not one is an error") {
    CHECK(decode_ack(encode_ack({498, 2, {}})).value() == BatchAck{498, 2, {}});
    BatchAck ack{3,
                 1,
                 {{1, "6f1c0000-0000-4000-8000-000000000001", "invalid_record",
                   "field \"seq\" must be 1 … 2^53 (0)"},
                  {4, "6f1c0000-0000-4000-8000-000000000004", "conflict",
                   "this id is already stored with different content"}}};
    CHECK(ack.records() == 6);
    auto body = encode_ack(ack);
    CHECK(
        body.starts_with("{\"stored\":3,\"duplicates\":1,\"refused\":[{\"index\":1,"
                         "\"id\":\"6f1c0000-0000-4000-8000-000000000001\",\"error\":"
                         "\"invalid_record\",\"detail\":"));
    CHECK(decode_ack(body).value() == ack);
    CHECK(encode_ack({2, 0, {}}) == "{\"stored\":2,\"duplicates\":0,\"refused\":[]}");

    CHECK_FALSE(decode_ack("{\"stored\":1}").ok());
    CHECK_FALSE(decode_ack("{\"stored\":1,\"duplicates\":0}").ok());  // a v1 reply
    CHECK_FALSE(decode_ack("{\"stored\":-1,\"duplicates\":0,\"refused\":[]}").ok());
    CHECK_FALSE(decode_ack("{\"stored\":0,\"duplicates\":0,\"refused\":[{\"index\":0}]}").ok());
    CHECK_FALSE(decode_ack("{\"stored\":0,\"duplicates\":0,\"refused\":[{\"index\":-1,\"id\":"
                           "\"a\",\"error\":\"conflict\",\"detail\":\"\"}]}")
                    .ok());
    CHECK_FALSE(decode_ack("{\"stored\":0,\"duplicates\":0,\"refused\":{}}").ok());
    CHECK_FALSE(decode_ack("not json").ok());
}

TEST_CASE("protocol version 3, with the seal refusals") {
    CHECK(kProtocolVersion == 3);
    CHECK(to_string(ApiError::BadSignature) == "bad_signature");
    CHECK(to_string(ApiError::WrongKey) == "wrong_key");
    CHECK(to_string(ApiError::Internal) == "internal");
}

TEST_CASE("a request log line has method, path, status, records and ms, and stays one line") {
    auto line = format_request_log_line("2026-11-25T10:00:00Z",
                                        {"POST", "/api/v1/responses", 200, 500, 12.34});
    CHECK(line == "2026-11-25T10:00:00Z POST /api/v1/responses 200 records=500 12.3ms\n");
    auto sneaky = format_request_log_line("t", {"GET", "/a\nb", 404, 0, 0});
    CHECK(sneaky.find('\n') == sneaky.size() - 1);
}

TEST_CASE("a heartbeat round-trips, nulls included, and its decoder is strict") {
    const Heartbeat full{"0.1.0", 86'400, 12, 3, "2026-11-25T10:00:00Z", 5'000'000'000, -1'234};
    const auto body = encode_heartbeat(full);
    CHECK(body == R"({"version":"0.1.0","uptime_s":86400,"waiting":12,"refused":3,)"
                  R"("last_activity":"2026-11-25T10:00:00Z","free_disk_bytes":5000000000,)"
                  R"("clock_offset_ms":-1234})");
    CHECK(decode_heartbeat(body).value() == full);
    const Heartbeat fresh{"0.1.0", 0, 0, 0, std::nullopt, 1, std::nullopt};
    CHECK(decode_heartbeat(encode_heartbeat(fresh)).value() == fresh);

    auto refusal = [](std::string_view bad) {
        auto decoded = decode_heartbeat(bad);
        REQUIRE_FALSE(decoded.ok());
        CHECK(decoded.error().kind == ErrorKind::Invalid);
        return decoded.error().message;
    };
    CHECK(refusal(R"({"version":"1"})") == "uptime_s: missing");
    CHECK(refusal(R"({"waiting":18446744073709551615,"version":"1","uptime_s":0,"refused":0,)"
                  R"("last_activity":null,"free_disk_bytes":0,"clock_offset_ms":null})") ==
          "waiting: must be an integer ≥ 0");
    CHECK(refusal(R"({"version":"1","uptime_s":0,"waiting":0,"refused":0,"last_activity":)"
                  R"("2026-11-25 10:00:00","free_disk_bytes":0,"clock_offset_ms":null})") ==
          "last_activity: must be null or YYYY-MM-DDTHH:MM:SSZ");
    CHECK(refusal(std::string(R"({"version":")") + std::string(65, 'v') +
                  R"(","uptime_s":0,"waiting":0,"refused":0,"last_activity":null,)"
                  R"("free_disk_bytes":0,"clock_offset_ms":null})") ==
          "version: must be a string of 1–64 characters");
}
