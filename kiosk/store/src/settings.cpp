#include "settings.hpp"

#include <charconv>

#include "cx/sqlite/transaction.hpp"

namespace cx::kiosk {

namespace {
constexpr std::string_view kPinHashKey = "staff_pin_hash";
constexpr std::string_view kFailuresKey = "staff_lockout_failures";
constexpr std::string_view kLockoutsKey = "staff_lockout_count";
constexpr std::string_view kLockedUntilKey = "staff_locked_until_ms";
constexpr std::string_view kWriteCheckKey = "last_write_check";
}  // namespace

Settings::Settings(sqlite::Connection& db, AuditLog& audit)
    : db_(db),
      audit_(audit),
      select_(db, "SELECT value FROM settings WHERE key = ?1"),
      upsert_(db,
              "INSERT INTO settings (key, value) VALUES (?1, ?2) "
              "ON CONFLICT (key) DO UPDATE SET value = excluded.value") {}

Status Settings::prepared() const {
    return sqlite::all_prepared({&select_, &upsert_});
}

Result<std::optional<std::string>> Settings::get(std::string_view key) {
    auto row = select_.reset().bind(1, key).step();
    if (!row) return row.error();
    std::optional<std::string> value;
    if (row.value()) value = std::string(select_.text(0));
    select_.reset();
    return value;
}

Result<std::int64_t> Settings::number(std::string_view key) {
    auto value = get(key);
    if (!value) return value.error();
    std::int64_t number = 0;
    if (!value.value()) return number;
    const auto& text = *value.value();
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc{} || end != text.data() + text.size())
        return make_error(ErrorKind::Damaged,
                          "setting " + std::string(key) + " is not a number: \"" + text + "\"");
    return number;
}

Status Settings::put(std::initializer_list<std::pair<std::string_view, std::string>> values) {
    for (const auto& [key, value] : values)
        if (auto done = upsert_.reset().bind(1, key).bind(2, value).run(); !done) return done;
    return Ok{};
}

Result<std::optional<std::string>> Settings::pin_hash() {
    return get(kPinHashKey);
}

Status Settings::set_pin_hash(std::string_view hash) {
    auto tx = sqlite::Transaction::begin(db_);
    if (!tx) return tx.error();
    if (auto saved = put({{kPinHashKey, std::string(hash)}}); !saved) return saved;
    if (auto logged = audit_.append("pin_set", "staff PIN set"); !logged) return logged;
    return tx.value().commit();
}

Result<LockoutState> Settings::lockout_state() {
    auto failures = number(kFailuresKey);
    if (!failures) return failures.error();
    auto lockouts = number(kLockoutsKey);
    if (!lockouts) return lockouts.error();
    auto until = number(kLockedUntilKey);
    if (!until) return until.error();
    LockoutState state;
    state.failures = static_cast<int>(failures.value());
    state.lockouts = static_cast<int>(lockouts.value());
    state.locked_until =
        std::chrono::system_clock::time_point(std::chrono::milliseconds(until.value()));
    return state;
}

Status Settings::save_lockout_state(const LockoutState& state) {
    const auto until_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(state.locked_until.time_since_epoch())
            .count();
    auto tx = sqlite::Transaction::begin(db_);
    if (!tx) return tx.error();
    auto saved = put({{kFailuresKey, std::to_string(state.failures)},
                      {kLockoutsKey, std::to_string(state.lockouts)},
                      {kLockedUntilKey, std::to_string(until_ms)}});
    if (!saved) return saved;
    return tx.value().commit();
}

}  // namespace cx::kiosk

namespace cx::kiosk {

Status Settings::record_write_check(std::string_view at) {
    auto tx = sqlite::Transaction::begin(db_);
    if (!tx) return tx.error();
    if (auto saved = put({{kWriteCheckKey, std::string(at)}}); !saved) return saved;
    return tx.value().commit();
}

}  // namespace cx::kiosk
