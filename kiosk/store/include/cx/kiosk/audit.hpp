#pragma once
// The kiosk's audit log as callers see it: one entry per event (staff login,
// export, sync going offline or coming back, store recovery, PIN set, refused
// records retried), kept in the store and printed by `cxkiosk audit`.
#include <string>

namespace cx::kiosk {

struct AuditEntry {
    std::string at;  // UTC timestamp
    std::string event;
    std::string detail;
};

// One line of `cxkiosk audit`: {"event":…,"at":…,"detail":…}; a detail that
// is a JSON object (export, sync) is embedded as an object, any other as a string.
std::string audit_json_line(const AuditEntry& entry);

}  // namespace cx::kiosk
