#include "cx/kiosk/store.hpp"

#include <sodium.h>
#include <sqlite3.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "cx/sync/sqlite_transaction.hpp"

namespace cx::kiosk {

std::string_view to_string(StoreError error) {
    switch (error) {
        case StoreError::None:
            return "none";
        case StoreError::Damaged:
            return "damaged";
        case StoreError::Busy:
            return "busy";
        case StoreError::TooNew:
            return "too_new";
        case StoreError::Io:
            return "io";
    }
    return "unknown";
}

namespace {

// Schema versions in order; PRAGMA user_version is the number applied.
constexpr std::array<const char*, Store::kSchemaVersion> kMigrations{
    R"sql(
CREATE TABLE responses (
    id           TEXT    NOT NULL UNIQUE,
    device       TEXT    NOT NULL,
    seq          INTEGER NOT NULL CHECK (seq >= 1),
    status       TEXT    NOT NULL CHECK (status IN ('complete', 'incomplete')),
    submitted_ms INTEGER NOT NULL,          -- wall clock, for the burst flag
    record       TEXT    NOT NULL,          -- canonical JSON line, as signed/uploaded
    sent_at      TEXT,                      -- UTC when the server acknowledged it
    UNIQUE (device, seq)
);
CREATE INDEX responses_unsent ON responses (device, seq) WHERE sent_at IS NULL;
CREATE TABLE answers (
    response_id TEXT NOT NULL REFERENCES responses (id),
    item        TEXT NOT NULL,
    level       INTEGER CHECK (level IS NULL OR level BETWEEN 1 AND 5),  -- NULL: N/A
    PRIMARY KEY (response_id, item)
) WITHOUT ROWID;
CREATE TABLE sync_state (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    at          TEXT    NOT NULL,
    ok          INTEGER NOT NULL,
    http_status INTEGER NOT NULL,
    sent        INTEGER NOT NULL,
    remaining   INTEGER NOT NULL,
    detail      TEXT    NOT NULL
);
CREATE TABLE audit_log (
    at     TEXT NOT NULL,
    event  TEXT NOT NULL,
    detail TEXT NOT NULL
);
-- Evidence: a response is never edited or removed, only marked sent.
CREATE TRIGGER responses_never_deleted BEFORE DELETE ON responses
BEGIN SELECT RAISE(ABORT, 'responses are never deleted'); END;
CREATE TRIGGER responses_immutable
BEFORE UPDATE OF id, device, seq, status, submitted_ms, record ON responses
BEGIN SELECT RAISE(ABORT, 'responses are immutable'); END;
CREATE TRIGGER answers_never_deleted BEFORE DELETE ON answers
BEGIN SELECT RAISE(ABORT, 'answers are never deleted'); END;
CREATE TRIGGER answers_immutable BEFORE UPDATE ON answers
BEGIN SELECT RAISE(ABORT, 'answers are immutable'); END;
)sql",
    // 2: staff mode — PIN hash and lockout survive restarts.
    R"sql(
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
)sql",
    // 3: protocol v2 — a record the server refuses is kept with its reason and
    // not offered for upload until staff retry it.
    R"sql(
ALTER TABLE responses ADD COLUMN refused_code TEXT;
ALTER TABLE responses ADD COLUMN refused_detail TEXT;
ALTER TABLE responses ADD COLUMN refused_at TEXT;
ALTER TABLE sync_state ADD COLUMN refused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN store_failed INTEGER NOT NULL DEFAULT 0;
)sql",
};

std::string sqlite_message(sqlite3* db) {
    return db ? sqlite3_errmsg(db) : "out of memory";
}

StoreError classify(int code) {
    switch (code & 0xff) {
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return StoreError::Damaged;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return StoreError::Busy;
        default:
            return StoreError::Io;
    }
}

// A prepared statement that finalizes itself.
class Statement {
  public:
    Statement(sqlite3* db, const char* sql) : db_(db) {
        code_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    bool ok() const { return code_ == SQLITE_OK || code_ == SQLITE_ROW || code_ == SQLITE_DONE; }
    Statement& bind(int index, std::string_view text) {
        if (ok()) {
            code_ = sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                                      SQLITE_TRANSIENT);
        }
        return *this;
    }
    Statement& bind(int index, std::int64_t value) {
        if (ok()) code_ = sqlite3_bind_int64(stmt_, index, value);
        return *this;
    }
    Statement& bind_null(int index) {
        if (ok()) code_ = sqlite3_bind_null(stmt_, index);
        return *this;
    }
    // True while a row is available; check ok() afterwards for errors.
    bool next_row() {
        if (!ok()) return false;
        code_ = sqlite3_step(stmt_);
        return code_ == SQLITE_ROW;
    }
    Status run() {
        while (next_row()) {
        }
        return status();
    }
    Status status() const {
        if (ok()) return Ok{};
        return Error{sqlite_message(db_)};
    }
    std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
    bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
    std::string_view text(int column) const {
        const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
        return data ? std::string_view(
                          data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                    : std::string_view{};
    }

  private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
    int code_;
};

Status exec(sqlite3* db, const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) == SQLITE_OK) return Ok{};
    std::string text = message ? message : sqlite_message(db);
    sqlite3_free(message);
    return Error{text};
}

std::string utc_now_text() {
    return format_utc_timestamp(
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

Status insert_audit(sqlite3* db, std::string_view event, std::string_view detail) {
    Statement insert(db, "INSERT INTO audit_log (at, event, detail) VALUES (?1, ?2, ?3)");
    insert.bind(1, utc_now_text()).bind(2, event).bind(3, detail);
    return insert.run();
}

// {"result":"ok"|"failed","http_status":…,"sent":…,"refused":…,"remaining":…,"detail":"…"}
std::string sync_audit_detail(const SyncReport& report) {
    nlohmann::json detail{{"result", report.ok ? "ok" : "failed"},
                          {"http_status", report.http_status},
                          {"sent", report.sent},
                          {"refused", report.refused},
                          {"remaining", report.remaining},
                          {"detail", report.detail}};
    return detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Status migrate(sqlite3* db, int& from_version) {
    SqliteTransaction tx(db);
    if (auto begun = tx.begun(); !begun) return begun;
    {
        Statement version(db, "PRAGMA user_version");
        from_version = version.next_row() ? static_cast<int>(version.integer(0)) : 0;
        if (!version.ok()) return version.status();
    }
    if (from_version > Store::kSchemaVersion) return Ok{};
    for (int v = from_version; v < Store::kSchemaVersion; ++v) {
        if (auto applied = exec(db, kMigrations[static_cast<std::size_t>(v)]); !applied) {
            return Error{"migration to schema " + std::to_string(v + 1) +
                         " failed: " + applied.error().message};
        }
    }
    const auto set_version = "PRAGMA user_version = " + std::to_string(Store::kSchemaVersion);
    if (auto set = exec(db, set_version.c_str()); !set) return set;
    return tx.commit();
}

}  // namespace

OpenResult Store::open(const std::string& path) {
    sqlite3* db = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    const int code = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    auto fail = [&](StoreError error, const std::string& what) {
        OpenResult result{nullptr, error, path + ": " + what};
        sqlite3_close(db);
        return result;
    };
    if (code != SQLITE_OK) return fail(classify(code), sqlite_message(db));
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 5000);

    // Reading the header is the first moment a non-database is noticed.
    {
        Statement mode(db, "PRAGMA journal_mode = WAL");
        if (!mode.next_row())
            return fail(classify(sqlite3_extended_errcode(db)), sqlite_message(db));
        if (mode.text(0) != "wal" && mode.text(0) != "memory") {
            return fail(StoreError::Io,
                        "cannot use WAL journal (got " + std::string(mode.text(0)) + ")");
        }
    }
    for (const char* pragma : {"PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"}) {
        if (auto set = exec(db, pragma); !set) {
            return fail(classify(sqlite3_extended_errcode(db)), set.error().message);
        }
    }
    {
        Statement check(db, "PRAGMA quick_check");
        std::string verdict;
        while (check.next_row()) {
            if (!verdict.empty()) verdict += "; ";
            verdict += check.text(0);
        }
        if (!check.ok()) return fail(classify(sqlite3_extended_errcode(db)), sqlite_message(db));
        if (verdict != "ok") return fail(StoreError::Damaged, "quick_check: " + verdict);
    }
    int found_version = 0;
    if (auto migrated = migrate(db, found_version); !migrated) {
        return fail(classify(sqlite3_extended_errcode(db)), migrated.error().message);
    }
    if (found_version > kSchemaVersion) {
        return fail(StoreError::TooNew, "schema version " + std::to_string(found_version) +
                                            " is newer than this cxkiosk (" +
                                            std::to_string(kSchemaVersion) + ")");
    }
    return OpenResult{std::unique_ptr<Store>(new Store(db)), StoreError::None, {}};
}

Store::Store(sqlite3* db) : db_(db) {}

Store::~Store() {
    sqlite3_close_v2(db_);
}

std::string random_uuid() {
    static const int sodium_ready = sodium_init();  // thread-safe, idempotent
    (void)sodium_ready;
    std::array<unsigned char, 16> bytes{};
    randombytes_buf(bytes.data(), bytes.size());
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
        text += kHex[bytes[i] >> 4];
        text += kHex[bytes[i] & 0x0f];
    }
    return text;
}

Result<Response> Store::append(const Submission& submission, const StoreIdentity& identity,
                               const ScoringPolicy& policy,
                               std::chrono::system_clock::time_point submitted) {
    std::lock_guard lock(mutex_);
    SqliteTransaction tx(db_);
    if (auto begun = tx.begun(); !begun) return begun.error();

    Response r;
    r.id = random_uuid();
    r.device = identity.device;
    r.org = identity.org;
    r.site = identity.site;
    r.questionnaire = identity.questionnaire;
    r.lang = submission.lang;
    r.status = submission.status;
    r.started_at =
        format_utc_timestamp(std::chrono::floor<std::chrono::seconds>(submission.started_wall));
    r.submitted_at = format_utc_timestamp(std::chrono::floor<std::chrono::seconds>(submitted));
    r.duration_ms = submission.duration_ms;
    r.answers = submission.answers;

    Statement last_seq(db_, "SELECT COALESCE(MAX(seq), 0) FROM responses WHERE device = ?1");
    last_seq.bind(1, r.device);
    if (!last_seq.next_row()) return Error{"reading seq: " + sqlite_message(db_)};
    r.seq = last_seq.integer(0) + 1;

    const auto submitted_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(submitted.time_since_epoch()).count();
    FlagInputs inputs{r.status, r.duration_ms, r.answers.size(), submitted_ms, std::nullopt};
    Statement previous(db_,
                       "SELECT MAX(submitted_ms) FROM responses "
                       "WHERE device = ?1 AND status = 'complete'");
    previous.bind(1, r.device);
    if (!previous.next_row()) return Error{"reading last response: " + sqlite_message(db_)};
    if (!previous.is_null(0)) inputs.previous_complete_unix_ms = previous.integer(0);
    r.flags = integrity_flags(inputs, policy.speeder_seconds_per_item, policy.burst_seconds);
    canonicalize(r);
    const auto record = to_canonical_json(r);

    Statement insert(db_,
                     "INSERT INTO responses (id, device, seq, status, submitted_ms, record) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    insert.bind(1, r.id).bind(2, r.device).bind(3, r.seq).bind(4, to_string(r.status));
    insert.bind(5, static_cast<std::int64_t>(submitted_ms)).bind(6, record);
    if (auto done = insert.run(); !done) return Error{"storing response: " + done.error().message};
    for (const auto& answer : r.answers) {
        Statement row(db_, "INSERT INTO answers (response_id, item, level) VALUES (?1, ?2, ?3)");
        row.bind(1, r.id).bind(2, answer.item);
        if (answer.level == kNotApplicable) {
            row.bind_null(3);
        } else {
            row.bind(3, static_cast<std::int64_t>(answer.level));
        }
        if (auto done = row.run(); !done) return Error{"storing answer: " + done.error().message};
    }
    if (auto committed = tx.commit(); !committed) {
        return Error{"commit failed: " + committed.error().message};
    }
    return r;
}

DayBounds local_day_bounds(std::chrono::system_clock::time_point now) {
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm day{};
    localtime_r(&t, &day);
    day.tm_hour = day.tm_min = day.tm_sec = 0;
    day.tm_isdst = -1;  // mktime decides, so a DST change in between is handled
    const std::time_t today = std::mktime(&day);
    day.tm_mday -= 6;
    day.tm_isdst = -1;
    const std::time_t week = std::mktime(&day);
    return {static_cast<std::int64_t>(today) * 1000, static_cast<std::int64_t>(week) * 1000};
}

Result<StoreCounts> Store::counts(std::chrono::system_clock::time_point now) {
    const auto bounds = local_day_bounds(now);
    std::lock_guard lock(mutex_);
    Statement query(
        db_,
        "SELECT COALESCE(SUM(status = 'complete'), 0), "
        "COALESCE(SUM(status = 'incomplete'), 0), "
        "COALESCE(SUM(sent_at IS NULL AND refused_at IS NULL), 0), "
        "COALESCE(SUM(submitted_ms >= ?1), 0), "
        "COALESCE(SUM(submitted_ms >= ?2), 0), "
        "COALESCE(SUM(status = 'complete' AND json_array_length(record, '$.flags') > 0), 0), "
        "COALESCE(SUM(sent_at IS NOT NULL), 0), "
        "COALESCE(SUM(sent_at IS NULL AND refused_at IS NOT NULL), 0) "
        "FROM responses");
    query.bind(1, bounds.today_start_ms).bind(2, bounds.week_start_ms);
    if (!query.next_row()) return Error{"counting responses: " + sqlite_message(db_)};
    StoreCounts counts;
    counts.complete = query.integer(0);
    counts.incomplete = query.integer(1);
    counts.unsent = query.integer(2);
    counts.today = query.integer(3);
    counts.last_7_days = query.integer(4);
    counts.flagged = query.integer(5);
    counts.sent = query.integer(6);
    counts.refused = query.integer(7);
    return counts;
}

Result<std::size_t> Store::pending_count() {
    auto counted = counts();
    if (!counted) return counted.error();
    return static_cast<std::size_t>(counted.value().unsent);
}

Result<std::vector<std::string>> Store::next_records(std::int64_t& cursor, std::size_t limit) {
    std::lock_guard lock(mutex_);
    Statement query(db_,
                    "SELECT rowid, record FROM responses WHERE rowid > ?1 ORDER BY rowid LIMIT ?2");
    query.bind(1, cursor).bind(2, static_cast<std::int64_t>(limit));
    std::vector<std::string> records;
    while (query.next_row()) {
        cursor = query.integer(0);
        records.emplace_back(query.text(1));
    }
    if (auto status = query.status(); !status) return status.error();
    return records;
}

Status Store::audit(std::string_view event, std::string_view detail) {
    std::lock_guard lock(mutex_);
    return insert_audit(db_, event, detail);
}

Result<std::vector<AuditEntry>> Store::audit_log() {
    std::lock_guard lock(mutex_);
    Statement query(db_, "SELECT at, event, detail FROM audit_log ORDER BY rowid");
    std::vector<AuditEntry> entries;
    while (query.next_row()) {
        entries.push_back(
            {std::string(query.text(0)), std::string(query.text(1)), std::string(query.text(2))});
    }
    if (auto status = query.status(); !status) return status.error();
    return entries;
}

std::optional<SyncReport> Store::last_sync() {
    std::lock_guard lock(mutex_);
    Statement query(db_,
                    "SELECT at, ok, http_status, sent, remaining, detail, refused, store_failed "
                    "FROM sync_state");
    if (!query.next_row()) return std::nullopt;
    SyncReport report;
    if (auto at = parse_utc_timestamp(query.text(0))) report.at = *at;
    report.ok = query.integer(1) != 0;
    report.http_status = static_cast<int>(query.integer(2));
    report.sent = static_cast<std::size_t>(query.integer(3));
    report.remaining = static_cast<std::size_t>(query.integer(4));
    report.detail = std::string(query.text(5));
    report.refused = static_cast<std::size_t>(query.integer(6));
    report.store_failed = query.integer(7) != 0;
    return report;
}

Result<std::vector<RefusalEntry>> Store::latest_refusals(std::size_t limit) {
    std::lock_guard lock(mutex_);
    Statement query(db_,
                    "SELECT id, seq, refused_code, refused_detail, refused_at FROM responses "
                    "WHERE refused_at IS NOT NULL AND sent_at IS NULL "
                    "ORDER BY refused_at DESC, rowid DESC LIMIT ?1");
    query.bind(1, static_cast<std::int64_t>(limit));
    std::vector<RefusalEntry> entries;
    while (query.next_row()) {
        entries.push_back({std::string(query.text(0)), query.integer(1), std::string(query.text(2)),
                           std::string(query.text(3)), std::string(query.text(4))});
    }
    if (auto status = query.status(); !status) return status.error();
    return entries;
}

int Store::schema_version() {
    std::lock_guard lock(mutex_);
    Statement query(db_, "PRAGMA user_version");
    return query.next_row() ? static_cast<int>(query.integer(0)) : -1;
}

namespace {
constexpr std::string_view kPinHashKey = "staff_pin_hash";
constexpr std::string_view kFailuresKey = "staff_lockout_failures";
constexpr std::string_view kLockoutsKey = "staff_lockout_count";
constexpr std::string_view kLockedUntilKey = "staff_locked_until_ms";

std::int64_t setting_number(const std::optional<std::string>& value) {
    if (!value) return 0;
    try {
        return std::stoll(*value);
    } catch (const std::exception&) {
        return 0;  // a hand-edited value: treated as unset rather than refusing staff entry
    }
}
}  // namespace

Result<std::optional<std::string>> Store::setting(std::string_view key) {
    Statement query(db_, "SELECT value FROM settings WHERE key = ?1");
    query.bind(1, key);
    std::optional<std::string> value;
    if (query.next_row()) value = std::string(query.text(0));
    if (auto status = query.status(); !status) return status.error();
    return value;
}

Status Store::set_settings(std::initializer_list<std::pair<std::string_view, std::string>> values) {
    SqliteTransaction tx(db_);
    if (auto begun = tx.begun(); !begun) return begun;
    for (const auto& [key, value] : values) {
        Statement upsert(db_,
                         "INSERT INTO settings (key, value) VALUES (?1, ?2) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
        upsert.bind(1, key).bind(2, value);
        if (auto done = upsert.run(); !done) return done;
    }
    return tx.commit();
}

Result<std::optional<std::string>> Store::pin_hash() {
    std::lock_guard lock(mutex_);
    return setting(kPinHashKey);
}

Status Store::set_pin_hash(std::string_view hash) {
    std::lock_guard lock(mutex_);
    if (auto saved = set_settings({{kPinHashKey, std::string(hash)}}); !saved) return saved;
    return insert_audit(db_, "pin_set", "staff PIN set");
}

Result<LockoutState> Store::lockout_state() {
    std::lock_guard lock(mutex_);
    LockoutState state;
    for (auto [key, field] : {std::pair<std::string_view, int*>{kFailuresKey, &state.failures},
                              {kLockoutsKey, &state.lockouts}}) {
        auto value = setting(key);
        if (!value) return value.error();
        *field = static_cast<int>(setting_number(value.value()));
    }
    auto until = setting(kLockedUntilKey);
    if (!until) return until.error();
    state.locked_until = std::chrono::system_clock::time_point(
        std::chrono::milliseconds(setting_number(until.value())));
    return state;
}

Status Store::save_lockout_state(const LockoutState& state) {
    std::lock_guard lock(mutex_);
    const auto until_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(state.locked_until.time_since_epoch())
            .count();
    return set_settings({{kFailuresKey, std::to_string(state.failures)},
                         {kLockoutsKey, std::to_string(state.lockouts)},
                         {kLockedUntilKey, std::to_string(until_ms)}});
}

Result<std::vector<PendingRecord>> Store::pending(std::size_t limit) {
    std::lock_guard lock(mutex_);
    Statement query(db_,
                    "SELECT id, record FROM responses WHERE sent_at IS NULL AND refused_at IS NULL "
                    "ORDER BY rowid LIMIT ?1");
    query.bind(1, static_cast<std::int64_t>(limit));
    std::vector<PendingRecord> records;
    while (query.next_row()) {
        records.push_back({std::string(query.text(0)), std::string(query.text(1))});
    }
    if (auto status = query.status(); !status)
        return Error{"reading unsent responses: " + status.error().message};
    return records;
}

Status Store::mark_sent(std::span<const std::string> ids) {
    std::lock_guard lock(mutex_);
    // An error leaves the records unsent; the server stores a re-sent record once.
    SqliteTransaction tx(db_);
    if (auto begun = tx.begun(); !begun) return begun;
    const auto now = utc_now_text();
    for (const auto& id : ids) {
        Statement update(db_,
                         "UPDATE responses SET sent_at = ?1 WHERE id = ?2 AND sent_at IS NULL");
        update.bind(1, now).bind(2, id);
        if (auto done = update.run(); !done)
            return Error{"marking responses sent: " + done.error().message};
    }
    return tx.commit();
}

Status Store::mark_refused(std::span<const RecordRefusal> refusals) {
    std::lock_guard lock(mutex_);
    SqliteTransaction tx(db_);
    if (auto begun = tx.begun(); !begun) return begun;
    const auto now = utc_now_text();
    for (const auto& refusal : refusals) {
        Statement update(db_,
                         "UPDATE responses SET refused_code = ?1, refused_detail = ?2, "
                         "refused_at = ?3 WHERE id = ?4 AND sent_at IS NULL");
        update.bind(1, refusal.code).bind(2, refusal.detail).bind(3, now).bind(4, refusal.id);
        if (auto done = update.run(); !done)
            return Error{"marking responses refused: " + done.error().message};
    }
    return tx.commit();
}

Result<std::size_t> Store::requeue_refused() {
    std::lock_guard lock(mutex_);
    Statement update(db_,
                     "UPDATE responses SET refused_code = NULL, refused_detail = NULL, "
                     "refused_at = NULL WHERE refused_at IS NOT NULL AND sent_at IS NULL");
    if (auto done = update.run(); !done)
        return Error{"requeueing refused responses: " + done.error().message};
    return static_cast<std::size_t>(sqlite3_changes(db_));
}

Status Store::record_sync(const SyncReport& report) {
    std::lock_guard lock(mutex_);
    SqliteTransaction tx(db_);
    if (auto begun = tx.begun(); !begun) return begun;
    std::optional<bool> was_ok;
    {
        Statement previous(db_, "SELECT ok FROM sync_state");
        if (previous.next_row()) was_ok = previous.integer(0) != 0;
    }
    const auto at = format_utc_timestamp(std::chrono::floor<std::chrono::seconds>(report.at));
    Statement upsert(
        db_,
        "INSERT INTO sync_state (singleton, at, ok, http_status, sent, remaining, detail, "
        "refused, store_failed) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
        "ON CONFLICT (singleton) DO UPDATE SET "
        "at = excluded.at, ok = excluded.ok, http_status = excluded.http_status, "
        "sent = excluded.sent, remaining = excluded.remaining, detail = excluded.detail, "
        "refused = excluded.refused, store_failed = excluded.store_failed");
    upsert.bind(1, at).bind(2, std::int64_t{report.ok}).bind(3, std::int64_t{report.http_status});
    upsert.bind(4, static_cast<std::int64_t>(report.sent));
    upsert.bind(5, static_cast<std::int64_t>(report.remaining)).bind(6, report.detail);
    upsert.bind(7, static_cast<std::int64_t>(report.refused));
    upsert.bind(8, std::int64_t{report.store_failed});
    if (auto done = upsert.run(); !done)
        return Error{"recording sync result: " + done.error().message};
    // The audit log gets the changes (went offline, came back), not every attempt.
    if (was_ok != report.ok) {
        if (auto logged = insert_audit(db_, "sync", sync_audit_detail(report)); !logged)
            return logged;
    }
    return tx.commit();
}

std::string audit_json_line(const AuditEntry& entry) {
    nlohmann::ordered_json line{{"event", entry.event}, {"at", entry.at}, {"detail", entry.detail}};
    if (entry.detail.starts_with('{')) {
        auto object = nlohmann::ordered_json::parse(entry.detail, nullptr, false);
        if (object.is_object()) line["detail"] = std::move(object);
    }
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<DataDirStore> open_data_dir_store(const std::filesystem::path& data_dir) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) return Error{data_dir.string() + ": cannot create data dir: " + ec.message()};
    const auto path = data_dir / Store::kFileName;
    auto opened = Store::open(path.string());
    if (opened) return DataDirStore{std::move(opened.store), std::nullopt};
    if (opened.error != StoreError::Damaged) {
        return Error{"store " + std::string(to_string(opened.error)) + ": " + opened.message};
    }

    // Keep the damaged file (and its WAL) as evidence under a new name.
    std::string stamp = format_utc_timestamp(
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    std::erase(stamp, ':');
    const auto aside = path.string() + ".corrupt-" + stamp;
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const std::filesystem::path from = path.string() + suffix;
        if (!std::filesystem::exists(from, ec)) continue;
        std::filesystem::rename(from, aside + suffix, ec);
        if (ec) return Error{opened.message + "; cannot move it aside: " + ec.message()};
    }
    auto fresh = Store::open(path.string());
    if (!fresh) return Error{opened.message + "; new store failed too: " + fresh.message};
    const auto notice = "store was damaged (" + opened.message + "); moved to " + aside +
                        " and a new store was created";
    std::cerr << "cxkiosk: " << notice << '\n';
    if (auto logged = fresh.store->audit("store_recovered", notice); !logged) {
        std::cerr << "cxkiosk: audit log: " << logged.error().message << '\n';
    }
    return DataDirStore{std::move(fresh.store), notice};
}

}  // namespace cx::kiosk
