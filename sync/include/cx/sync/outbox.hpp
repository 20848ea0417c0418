#pragma once
// The contract between a store that holds responses waiting to upload (the
// kiosk's SQLite store) and the uploader in this library. A record is marked
// sent only after the server acknowledged it (HTTP 200 counting it as stored
// or duplicate), and refused only when that 200 names it as refused. Every
// operation returns a result that can carry an error: a store that cannot be
// read never looks like an empty outbox.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cx/scoring/result.hpp"

namespace cx {

struct PendingRecord {
    std::string id;    // response UUID
    std::string json;  // canonical JSON line (cx::append_canonical_json), no newline
};

// The server's word on one record it would not store (protocol v2 "refused" entry).
struct RecordRefusal {
    std::size_t index = 0;  // position in the batch
    std::string id;
    std::string code;  // wire error code: "invalid_record", "conflict", "forbidden"
    std::string detail;
    bool operator==(const RecordRefusal&) const = default;
};

// What the last upload attempt did, kept for staff mode ("last sync time and result").
struct SyncReport {
    std::chrono::system_clock::time_point at;
    bool ok = false;
    int http_status = 0;        // 0 when no HTTP reply (offline, timeout, TLS failure)
    std::size_t sent = 0;       // acknowledged (stored or duplicate) in this attempt
    std::size_t refused = 0;    // refused record by record in this attempt
    std::size_t remaining = 0;  // still waiting after it (refused ones are not waiting)
    bool store_failed = false;  // the outbox itself failed (detail says why): cxkiosk sync exits 4
    std::string detail;  // server error, latest refusal ("code: detail"), transport or store error
};

// What the kiosk's heartbeat says of its outbox (sync/PROTOCOL.md "POST /api/v1/heartbeat").
struct OutboxHealth {
    std::int64_t waiting = 0;  // neither sent nor refused
    std::int64_t refused = 0;  // refused by the server, kept until staff retry them
    // When the newest record was committed: a customer finished or abandoned a survey
    // then, which is what tells a certifier whether anyone uses the kiosk. None before
    // the first record.
    std::optional<std::chrono::system_clock::time_point> last_record_at;
};

// Implementations must be callable from the upload worker's thread while the
// UI thread writes new responses (e.g. a separate SQLite connection in WAL mode).
class Outbox {
  public:
    virtual ~Outbox() = default;
    // Oldest first (by seq), at most `limit` records waiting (neither sent nor refused).
    virtual Result<std::vector<PendingRecord>> pending(std::size_t limit) = 0;
    // Durably marks these ids acknowledged (stored or duplicate) by the server.
    virtual Status mark_sent(std::span<const std::string> ids) = 0;
    // Durably marks these records refused with the server's code and detail; pending()
    // no longer offers them until requeue_refused(). Never deletes anything.
    virtual Status mark_refused(std::span<const RecordRefusal> refusals) = 0;
    // Staff asked to try the refused records again: they become waiting; returns how many.
    virtual Result<std::size_t> requeue_refused() = 0;
    // Remembers the outcome of an attempt for staff mode and the audit log.
    virtual Status record_sync(const SyncReport& report) = 0;
    // How many records wait (COUNT).
    virtual Result<std::size_t> pending_count() = 0;
    // Counts and the newest record's time, for the heartbeat.
    virtual Result<OutboxHealth> health() = 0;
};

}  // namespace cx
