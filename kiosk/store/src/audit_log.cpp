#include "audit_log.hpp"

#include <nlohmann/json.hpp>

#include "utc_text.hpp"

namespace cx::kiosk {

AuditLog::AuditLog(sqlite::Connection& db)
    : insert_(db, "INSERT INTO audit_log (at, event, detail) VALUES (?1, ?2, ?3)"),
      select_(db, "SELECT at, event, detail FROM audit_log ORDER BY rowid") {}

Status AuditLog::prepared() const {
    return sqlite::all_prepared({&insert_, &select_});
}

Status AuditLog::append(std::string_view event, std::string_view detail) {
    return insert_.reset().bind(1, utc_now_text()).bind(2, event).bind(3, detail).run();
}

Result<std::vector<AuditEntry>> AuditLog::entries() {
    select_.reset();
    std::vector<AuditEntry> entries;
    for (;;) {
        auto row = select_.step();
        if (!row) return row.error();
        if (!row.value()) return entries;
        entries.push_back({std::string(select_.text(0)), std::string(select_.text(1)),
                           std::string(select_.text(2))});
    }
}

std::string audit_json_line(const AuditEntry& entry) {
    nlohmann::ordered_json line{{"event", entry.event}, {"at", entry.at}, {"detail", entry.detail}};
    if (entry.detail.starts_with('{')) {
        auto object = nlohmann::ordered_json::parse(entry.detail, nullptr, false);
        if (object.is_object()) line["detail"] = std::move(object);
    }
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace cx::kiosk
