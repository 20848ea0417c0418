#include "cx/kiosk/store.hpp"

#include <sodium.h>

#include <array>
#include <mutex>

#include "audit_log.hpp"
#include "cx/kiosk/store_schema.hpp"
#include "cx/sqlite/connection.hpp"
#include "cx/sqlite/migrate.hpp"
#include "record_sealer.hpp"
#include "response_log.hpp"
#include "settings.hpp"
#include "upload_queue.hpp"
#include "utc_text.hpp"

namespace cx::kiosk {

// One connection and the classes that keep their statements on it. Every
// Store operation holds `mutex` (callers on any thread, one connection).
struct Store::Parts {
    Parts(sqlite::Connection connection, const integrity::SigningKey& signing_key)
        : db(std::move(connection)),
          key(signing_key),
          audit(db),
          responses(db, key),
          uploads(db, audit),
          settings(db, audit) {}

    Status prepared() const {
        for (const auto& status :
             {audit.prepared(), responses.prepared(), uploads.prepared(), settings.prepared()})
            if (!status) return status;
        return Ok{};
    }

    std::mutex mutex;
    sqlite::Connection db;
    integrity::SigningKey key;
    AuditLog audit;
    ResponseLog responses;
    UploadQueue uploads;
    Settings settings;
};

Result<integrity::SigningKey> load_device_key(const std::filesystem::path& data_dir) {
    return integrity::SigningKey::load_or_create(data_dir / kDeviceKeyFileName);
}

Result<std::unique_ptr<Store>> Store::open(const std::string& path,
                                           const integrity::SigningKey& key) {
    auto db = sqlite::Connection::open(path);
    if (!db) return db.error();
    if (auto checked = db.value().quick_check(); !checked) return checked.error();
    const auto seal_old_records = [&key](sqlite::Connection& connection, int version) -> Status {
        if (version == 4) return seal_unsigned_records(connection, key);
        return Ok{};
    };
    if (auto migrated = sqlite::migrate(db.value(), kiosk_schema_versions(), seal_old_records);
        !migrated) {
        auto error = migrated.error();
        if (error.kind == ErrorKind::TooNew) error.message += "; it was written by a newer cxkiosk";
        return error;
    }
    auto parts = std::make_unique<Parts>(std::move(db.value()), key);
    if (auto prepared = parts->prepared(); !prepared) return prepared.error();
    if (auto same_key = parts->responses.check_key(); !same_key) {
        auto error = same_key.error();
        error.message = path + ": " + error.message;
        return error;
    }
    return std::unique_ptr<Store>(new Store(std::move(parts)));
}

Store::Store(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Store::~Store() = default;

Result<Response> Store::append(const Submission& submission, const StoreIdentity& identity,
                               const ScoringPolicy& policy,
                               std::chrono::system_clock::time_point submitted) {
    std::lock_guard lock(parts_->mutex);
    return parts_->responses.append(submission, identity, policy, submitted);
}

Result<StoreCounts> Store::counts(std::chrono::system_clock::time_point now) {
    const auto bounds = local_day_bounds(now);
    std::lock_guard lock(parts_->mutex);
    return parts_->responses.counts(bounds);
}

Result<std::vector<LoggedRecord>> Store::next_records(std::int64_t& cursor, std::size_t limit) {
    std::lock_guard lock(parts_->mutex);
    return parts_->responses.next_records(cursor, limit);
}

Result<std::vector<RefusalEntry>> Store::latest_refusals(std::size_t limit) {
    std::lock_guard lock(parts_->mutex);
    return parts_->uploads.latest_refusals(limit);
}

Status Store::audit(std::string_view event, std::string_view detail) {
    std::lock_guard lock(parts_->mutex);
    return parts_->audit.append(event, detail);
}

Result<std::vector<AuditEntry>> Store::audit_log() {
    std::lock_guard lock(parts_->mutex);
    return parts_->audit.entries();
}

Result<std::optional<SyncReport>> Store::last_sync() {
    std::lock_guard lock(parts_->mutex);
    return parts_->uploads.last_sync();
}

Result<int> Store::schema_version() {
    std::lock_guard lock(parts_->mutex);
    return parts_->db.user_version();
}

const integrity::SigningKey& Store::signing_key() const {
    return parts_->key;  // fixed for the store's lifetime: no lock needed
}

Result<ChainHead> Store::chain_head(const std::string& device) {
    std::lock_guard lock(parts_->mutex);
    return parts_->responses.chain_head(device);
}

Result<std::optional<std::string>> Store::pin_hash() {
    std::lock_guard lock(parts_->mutex);
    return parts_->settings.pin_hash();
}

Status Store::set_pin_hash(std::string_view hash) {
    std::lock_guard lock(parts_->mutex);
    return parts_->settings.set_pin_hash(hash);
}

Result<LockoutState> Store::lockout_state() {
    std::lock_guard lock(parts_->mutex);
    return parts_->settings.lockout_state();
}

Status Store::save_lockout_state(const LockoutState& state) {
    std::lock_guard lock(parts_->mutex);
    return parts_->settings.save_lockout_state(state);
}

Status Store::check_writable() {
    std::lock_guard lock(parts_->mutex);
    return parts_->settings.record_write_check(utc_now_text());
}

Result<std::vector<PendingRecord>> Store::pending(std::size_t limit) {
    std::lock_guard lock(parts_->mutex);
    return parts_->uploads.pending(limit);
}

Status Store::mark_sent(std::span<const std::string> ids) {
    std::lock_guard lock(parts_->mutex);
    return parts_->uploads.mark_sent(ids);
}

Status Store::mark_refused(std::span<const RecordRefusal> refusals) {
    std::lock_guard lock(parts_->mutex);
    return parts_->uploads.mark_refused(refusals);
}

Result<std::size_t> Store::requeue_refused() {
    std::lock_guard lock(parts_->mutex);
    return parts_->uploads.requeue_refused();
}

Status Store::record_sync(const SyncReport& report) {
    std::lock_guard lock(parts_->mutex);
    return parts_->uploads.record_sync(report);
}

Result<std::size_t> Store::pending_count() {
    std::lock_guard lock(parts_->mutex);
    return parts_->uploads.pending_count();
}

Result<OutboxHealth> Store::health() {
    std::lock_guard lock(parts_->mutex);
    return parts_->uploads.health();
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

}  // namespace cx::kiosk
