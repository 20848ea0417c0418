#pragma once
// The upload protocol of sync/PROTOCOL.md as code: paths, error codes and the
// JSON bodies both ends exchange. Records inside a batch are canonical lines.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cx/scoring/result.hpp"
#include "cx/sync/outbox.hpp"

namespace cx {

inline constexpr int kProtocolVersion = 3;
inline constexpr std::size_t kMaxBatchRecords = 500;
inline constexpr std::size_t kDefaultMaxBody = 8u << 20;  // 8 MiB
inline constexpr std::string_view kResponsesPath = "/api/v1/responses";
inline constexpr std::string_view kHealthPath = "/api/v1/health";
inline constexpr std::string_view kHeartbeatPath = "/api/v1/heartbeat";
// The management scheme: requirements and level descriptions (GET, any valid token).
inline constexpr std::string_view kManagementPath = "/api/v1/management";

enum class ApiError {
    MalformedJson,    // 400
    BadParameter,     // 400
    Unauthorized,     // 401
    Forbidden,        // 403
    NotFound,         // 404
    Conflict,         // a record's code in "refused" (v2); HTTP 409 only in protocol 1
    PayloadTooLarge,  // 413
    InvalidRecord,    // a record's code in "refused" (v2); HTTP 422 only in protocol 1
    BadSignature,     // a record's code in "refused" (v3): unsigned, or the signature fails
    WrongKey,         // a record's code in "refused" (v3): signed by a key not the device's
    Internal,         // 500
    Unavailable,      // 503
    // Transport level (sync/PROTOCOL.md "HTTP transport"): refused from the
    // request line and headers, before any body byte is read.
    BadRequest,  // 400: not strict HTTP/1.1 (duplicate Content-Length, control characters…)
    UriTooLong,  // 414: request target over 8 KiB
    UnsupportedEncoding,  // 415: Content-Encoding other than gzip, deflate or identity
    TooManyRequests,      // 429: too many failed authentications from this address
    HeadersTooLarge,      // 431: request line and headers over 16 KiB
    InvalidHeartbeat,     // 400: a heartbeat body that breaks its schema
    // Enrolment (POST /api/v1/enrol): the code is refused.
    UnknownCode,  // 403: no such code
    CodeExpired,  // 410: the code's time ran out before it was used
    CodeUsed,     // 410: the code was used already (it works once)
    // PUT …/assessment: the document breaks the assessment format (cxscore's parser).
    InvalidAssessment,  // 400
};
std::string_view to_string(ApiError error);  // the wire code, e.g. "invalid_record"
int http_status(ApiError error);

// {"error": "<code>", "detail": "..."}
std::string encode_error(ApiError error, std::string_view detail);
// The same with "line": the line of the request body the error is about (when > 0).
std::string encode_error(ApiError error, std::string_view detail, long line);

struct ErrorBody {
    std::string code;
    std::string detail;
};
// Reads an error body; nullopt when the text is not one (e.g. a proxy's HTML page).
std::optional<ErrorBody> decode_error(std::string_view body);

// {"responses":[<line>,<line>,...]} built from canonical lines, no re-serialization.
std::string encode_batch(std::span<const PendingRecord> records);

// The 200 reply: every record of the batch is counted once, as stored, duplicate
// or refused (each refusal names its record by index and id).
struct BatchAck {
    std::size_t stored = 0;
    std::size_t duplicates = 0;
    std::vector<RecordRefusal> refused;
    std::size_t records() const { return stored + duplicates + refused.size(); }
    bool operator==(const BatchAck&) const = default;
};
// {"stored":n,"duplicates":n,"refused":[{"index":i,"id":"…","error":"…","detail":"…"}]}
std::string encode_ack(const BatchAck& ack);
Result<BatchAck> decode_ack(std::string_view body);

// What a kiosk says about itself (sync/PROTOCOL.md "POST /api/v1/heartbeat"); who
// sends it comes from the device token, never from the body.
struct Heartbeat {
    std::string version;                       // the kiosk's build, e.g. "0.1.0"
    std::int64_t uptime_s = 0;                 // since the kiosk's uploader started
    std::int64_t waiting = 0;                  // records not yet acknowledged
    std::int64_t refused = 0;                  // records the server refused, kept until staff retry
    std::optional<std::string> last_activity;  // newest record committed (canonical UTC)
    std::int64_t free_disk_bytes = 0;          // free to the kiosk in its data dir
    std::optional<std::int64_t> clock_offset_ms;  // kiosk − server; none before the first reply
    bool operator==(const Heartbeat&) const = default;
};
// {"version","uptime_s","waiting","refused","last_activity","free_disk_bytes","clock_offset_ms"}
std::string encode_heartbeat(const Heartbeat& heartbeat);
// Strict: every field present with its type and bounds, no other field; the error
// (kind Invalid) names the field and why.
Result<Heartbeat> decode_heartbeat(std::string_view body);

}  // namespace cx
