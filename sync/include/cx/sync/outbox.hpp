#pragma once
// The contract between a store that holds responses waiting to upload (the
// kiosk's SQLite store) and the uploader in this library. A record is marked
// sent only after the server acknowledged it (HTTP 200 covering its id).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cx {

struct PendingRecord {
    std::string id;    // response UUID
    std::string json;  // canonical JSON line (cx::append_canonical_json), no newline
};

// What the last upload attempt did, kept for staff mode ("last sync time and result").
struct SyncReport {
    std::chrono::system_clock::time_point at;
    bool ok = false;
    int http_status = 0;        // 0 when no HTTP reply (offline, timeout, TLS failure)
    std::size_t sent = 0;       // records acknowledged in this attempt
    std::size_t remaining = 0;  // records still waiting after it
    std::string detail;         // server's error detail or the transport error
};

// Implementations must be callable from the upload worker's thread while the
// UI thread writes new responses (e.g. a separate SQLite connection in WAL mode).
class Outbox {
  public:
    virtual ~Outbox() = default;
    // Oldest first (by seq), at most `limit` records not yet acknowledged.
    virtual std::vector<PendingRecord> pending(std::size_t limit) = 0;
    // Durably marks these ids as acknowledged by the server.
    virtual void mark_sent(std::span<const std::string> ids) = 0;
    // Remembers the outcome of an attempt for staff mode and the audit log.
    virtual void record_sync(const SyncReport& report) = 0;
    // How many records wait for upload (override with a COUNT for large stores).
    virtual std::size_t pending_count() { return pending(SIZE_MAX).size(); }
};

}  // namespace cx
