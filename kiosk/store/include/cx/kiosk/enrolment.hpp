#pragma once
// Enrolling this kiosk with a one-time code (sync/PROTOCOL.md "Enrolment"):
// its device key (created if there is none) goes to the server with the code,
// and the device token that comes back is written to DATA_DIR/token, mode 600,
// atomically. The token is never printed or logged. `cxkiosk enrol` and the
// staff panel's enrol screen both call enrol_kiosk.
#include <filesystem>
#include <string>

#include "cx/scoring/result.hpp"
#include "cx/sync/enrol_client.hpp"

namespace cx::kiosk {

// Where the kiosk's upload token lives when the settings file has none.
inline constexpr const char* kTokenFileName = "token";

struct EnrolmentRequest {
    EnrolTarget server;
    std::string code;  // as typed: dashes and spaces are ignored
    std::filesystem::path data_dir;
    // Replace the token of a kiosk enrolled already (its key, and so its record
    // chain, stay as they are).
    bool force = false;
};

// What the kiosk was enrolled as (the token is in DATA_DIR/token).
struct EnrolledDevice {
    std::string org;
    std::string site;
    std::string device;
};

// Errors: Invalid (a malformed code, a plain-http server, already enrolled without
// `force`), Network (no reply), Refused (the server's "code: detail"), Store/Io
// (the data dir, the key or the token file).
Result<EnrolledDevice> enrol_kiosk(const EnrolmentRequest& request);

}  // namespace cx::kiosk
