#pragma once
// The kiosk's side of POST /api/v1/enrol (sync/PROTOCOL.md "Enrolment"), through
// libcurl with the same TLS rules as uploads.
#include <chrono>
#include <string>
#include <string_view>

#include "cx/scoring/result.hpp"
#include "cx/sync/enrolment.hpp"

namespace cx {

struct EnrolTarget {
    std::string server_url;  // "https://certifier.example:8443" (no trailing path)
    std::string ca_file;     // private CA bundle; empty = the system's trust store
    std::chrono::milliseconds connect_timeout{10000};
    std::chrono::milliseconds total_timeout{30000};
};

// The token travels in the reply: only https, or plain http to this machine
// (127.0.0.1, ::1, localhost: tests, a server on the kiosk itself).
Status check_enrolment_url(std::string_view url);

// Trades `code` (digits) and `pubkey` for the device token. Errors: Invalid for a
// URL check_enrolment_url refuses, Network when no reply came (offline, TLS),
// Refused with the server's "code: detail" for a refusal (code_used, …).
Result<EnrolReply> request_enrolment(const EnrolTarget& target, std::string_view code,
                                     std::string_view pubkey);

}  // namespace cx
