#pragma once
// The settings table: the staff PIN's hash and the persisted lockout, so a
// restart does not reset a lockout; and when a write was last proven to work.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "audit_log.hpp"
#include "cx/kiosk/staff_access.hpp"
#include "cx/sqlite/statement.hpp"

namespace cx::kiosk {

class Settings {
  public:
    Settings(sqlite::Connection& db, AuditLog& audit);
    Status prepared() const;

    Result<std::optional<std::string>> pin_hash();
    // Audited as `pin_set`, in the same transaction.
    Status set_pin_hash(std::string_view hash);
    Result<LockoutState> lockout_state();
    Status save_lockout_state(const LockoutState& state);
    // Commits `at` (UTC text) as the last successful write check: a real commit, fsync'ed.
    Status record_write_check(std::string_view at);

  private:
    Result<std::optional<std::string>> get(std::string_view key);
    Result<std::int64_t> number(std::string_view key);
    Status put(std::initializer_list<std::pair<std::string_view, std::string>> values);

    sqlite::Connection& db_;
    AuditLog& audit_;
    sqlite::Statement select_;
    sqlite::Statement upsert_;
};

}  // namespace cx::kiosk
