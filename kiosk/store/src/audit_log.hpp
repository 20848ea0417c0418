#pragma once
// The audit log table: appended to, read in order, never changed.
#include <string_view>
#include <vector>

#include "cx/kiosk/audit.hpp"
#include "cx/scoring/result.hpp"
#include "cx/sqlite/statement.hpp"

namespace cx::kiosk {

class AuditLog {
  public:
    explicit AuditLog(sqlite::Connection& db);
    Status prepared() const;

    // Joins the caller's transaction when there is one (record_sync, set_pin_hash).
    Status append(std::string_view event, std::string_view detail);
    Result<std::vector<AuditEntry>> entries();

  private:
    sqlite::Statement insert_;
    sqlite::Statement select_;
};

}  // namespace cx::kiosk
