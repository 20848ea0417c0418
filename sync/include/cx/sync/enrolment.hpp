#pragma once
// Enrolment by one-time code (sync/PROTOCOL.md "Enrolment"): the code's shape and
// the JSON both ends of POST /api/v1/enrol exchange.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "cx/scoring/result.hpp"

namespace cx {

inline constexpr std::string_view kEnrolPath = "/api/v1/enrol";
// Digits only, so the kiosk's numeric pad can enter it; 10^12 codes make guessing
// hopeless under the enrolment rate limit and the code's lifetime (PROTOCOL.md).
inline constexpr std::size_t kEnrolmentCodeDigits = 12;
// An enrolment request is a code and a key: anything longer is not one.
inline constexpr std::size_t kMaxEnrolBody = 1024;

// The code's digits from what a person typed or read ("1234-5678-9012", spaces and
// dashes ignored), or nullopt when it is not kEnrolmentCodeDigits digits.
std::optional<std::string> normalize_enrolment_code(std::string_view typed);
// "123456789012" → "1234-5678-9012": how the code is shown for reading aloud.
std::string group_enrolment_code(std::string_view digits);

// {"code": "<digits>", "pubkey": "<64 hex>"}
std::string encode_enrol_request(std::string_view code, std::string_view pubkey);
struct EnrolRequest {
    std::string code;    // as sent: the server normalizes it
    std::string pubkey;  // as sent: the server checks it
};
Result<EnrolRequest> decode_enrol_request(std::string_view body);

// The 200 reply: the device token and what it is bound to.
struct EnrolReply {
    std::string token;
    std::string org;
    std::string site;
    std::string device;
};
std::string encode_enrol_reply(const EnrolReply& reply);
Result<EnrolReply> decode_enrol_reply(std::string_view body);

}  // namespace cx
