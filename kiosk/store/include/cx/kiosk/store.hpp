#pragma once
// The kiosk's durable local store: one SQLite file in the data dir (cx_sqlite:
// WAL, synchronous=FULL, schema by migrations). Responses are appended in one
// transaction each and never updated or deleted; only their upload state
// (waiting, sent, refused with the server's reason) changes. The uploader
// reads them through cx::Outbox from its own Store (its own connection).
//
// Every record is sealed with the device key (cx::integrity, sync/PROTOCOL.md
// "Signed records") in the transaction that stores it, so the log is a chain per
// device: each record's prev_hash is the hash of the one before.
//
// Store is the one object callers hold; behind it each responsibility has its
// own class on the shared connection (src/): the response log, the upload
// queue (the Outbox), settings and lockout, and the audit log. Every operation
// returns a Result or Status whose error has a cx::ErrorKind.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cx/integrity/seal.hpp"
#include "cx/kiosk/audit.hpp"
#include "cx/kiosk/survey.hpp"
#include "cx/scoring/policy.hpp"
#include "cx/scoring/response.hpp"
#include "cx/scoring/result.hpp"
#include "cx/sync/outbox.hpp"

namespace cx {
struct LockoutState;  // cx/kiosk/staff_access.hpp: callers of the lockout functions include it
}

namespace cx::kiosk {

// Who writes the records; fixed for a Store's lifetime.
struct StoreIdentity {
    std::string device;
    std::string org;
    std::string site;
    std::string questionnaire;
};

struct StoreCounts {
    std::int64_t complete = 0;
    std::int64_t incomplete = 0;
    std::int64_t unsent = 0;       // waiting to upload (neither sent nor refused)
    std::int64_t sent = 0;         // acknowledged by the server
    std::int64_t refused = 0;      // refused by the server, kept until staff retry them
    std::int64_t today = 0;        // submitted since local midnight
    std::int64_t last_7_days = 0;  // today and the 6 local days before
    std::int64_t flagged = 0;      // complete, with a speeder or burst flag
    std::int64_t total() const { return complete + incomplete; }
};

// Local midnight of `now`'s day and of 6 days before, as Unix ms (the kiosk's time zone).
struct DayBounds {
    std::int64_t today_start_ms = 0;
    std::int64_t week_start_ms = 0;
};
DayBounds local_day_bounds(std::chrono::system_clock::time_point now);

enum class UploadState { Waiting, Sent, Refused };
std::string_view to_string(UploadState state);  // "waiting", "sent", "refused"

// A record as the log holds it: the canonical line and where its upload stands.
struct LoggedRecord {
    std::string json;  // canonical JSON line, no newline
    UploadState state = UploadState::Waiting;
    // The server's latest refusal as "code: detail" (kept after a retry), empty if never refused.
    std::string refusal;
};

// A record the server refused, with its reason (newest first in latest_refusals).
struct RefusalEntry {
    std::string id;
    std::int64_t seq = 0;
    std::string code, detail, at;  // the server's error code and detail; UTC when marked
};

// The newest record of a device's chain: the next record gets seq + 1 and prev_hash = hash.
struct ChainHead {
    std::int64_t seq = 0;  // 0: no record yet
    std::string hash;      // integrity::kGenesisPrevHash when there is no record yet
};

// The device key of a data dir, DATA_DIR/device.key: created (0600) on first use, never
// replaced; a key file others may read or that is malformed is an error (Invalid, Damaged).
inline constexpr const char* kDeviceKeyFileName = "device.key";
Result<integrity::SigningKey> load_device_key(const std::filesystem::path& data_dir);

class Store final : public Outbox {
  public:
    static constexpr int kSchemaVersion = 4;
    static constexpr const char* kFileName = "responses.sqlite3";

    // Opens or creates the store at `path` (":memory:" for tests), runs
    // PRAGMA quick_check and migrates the schema (to 4: seals the records kept
    // before with `key`). Errors: Damaged (not a database, or the check fails:
    // safe to move aside), Busy (another process holds it), TooNew (written by a
    // newer cxkiosk: never touch), Invalid (its records are sealed by another
    // key), Store.
    static Result<std::unique_ptr<Store>> open(const std::string& path,
                                               const integrity::SigningKey& key);
    ~Store() override;
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // Commits one response: assigns id (UUID v4), the device's next seq and the
    // integrity flags, all inside one transaction. Returns the stored record.
    Result<Response> append(const Submission& submission, const StoreIdentity& identity,
                            const ScoringPolicy& policy,
                            std::chrono::system_clock::time_point submitted);

    // "today" and "7 days" relative to `now` in the local time zone.
    Result<StoreCounts> counts(
        std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
    // Up to `limit` records after the one at `cursor` (0: from the start) in
    // insertion order (= seq order for each device); advances `cursor`.
    // Readers page through the records without holding the store's lock.
    Result<std::vector<LoggedRecord>> next_records(std::int64_t& cursor, std::size_t limit);
    // The records refused now, newest refusal first.
    Result<std::vector<RefusalEntry>> latest_refusals(std::size_t limit);

    // `detail` is free text, or a JSON object for export and sync (see README).
    Status audit(std::string_view event, std::string_view detail);
    Result<std::vector<AuditEntry>> audit_log();
    Result<std::optional<SyncReport>> last_sync();
    Result<int> schema_version();
    const integrity::SigningKey& signing_key() const;
    Result<ChainHead> chain_head(const std::string& device);

    // Staff PIN (Argon2id hash string) and the persisted lockout, in the settings table.
    Result<std::optional<std::string>> pin_hash();
    Status set_pin_hash(std::string_view hash);
    Result<LockoutState> lockout_state();
    Status save_lockout_state(const LockoutState& state);

    // Commits a small write (the settings' last_write_check) the way a response is
    // committed: fails as appending would when the store cannot be written.
    Status check_writable();

    // cx::Outbox
    Result<std::vector<PendingRecord>> pending(std::size_t limit) override;
    Status mark_sent(std::span<const std::string> ids) override;
    Status mark_refused(std::span<const RecordRefusal> refusals) override;
    Result<std::size_t> requeue_refused() override;
    Status record_sync(const SyncReport& report) override;
    Result<std::size_t> pending_count() override;
    Result<OutboxHealth> health() override;

  private:
    struct Parts;  // the connection and the classes on it (src/store.cpp)
    explicit Store(std::unique_ptr<Parts> parts);
    std::unique_ptr<Parts> parts_;
};

// A random (v4) UUID in canonical lowercase form.
std::string random_uuid();

}  // namespace cx::kiosk
