#pragma once
// The upload side of the response log (the store's cx::Outbox): which records
// wait, which the server acknowledged, which it refused and why, and the
// result of the last attempt. Only the upload-state columns change; the
// schema's triggers refuse any edit of the evidence.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "audit_log.hpp"
#include "cx/kiosk/store.hpp"
#include "cx/sqlite/statement.hpp"

namespace cx::kiosk {

class UploadQueue {
  public:
    UploadQueue(sqlite::Connection& db, AuditLog& audit);
    Status prepared() const;

    Result<std::vector<PendingRecord>> pending(std::size_t limit);
    Result<std::size_t> pending_count();
    Result<OutboxHealth> health();
    Status mark_sent(std::span<const std::string> ids);
    Status mark_refused(std::span<const RecordRefusal> refusals);
    // Audited as `refused_requeued` with {"count":n}.
    Result<std::size_t> requeue_refused();
    Result<std::vector<RefusalEntry>> latest_refusals(std::size_t limit);

    // Audited as `sync` when the result changes from ok to failed or back.
    Status record_sync(const SyncReport& report);
    Result<std::optional<SyncReport>> last_sync();

  private:
    sqlite::Connection& db_;
    AuditLog& audit_;
    sqlite::Statement pending_;
    sqlite::Statement count_waiting_;
    sqlite::Statement health_;
    sqlite::Statement mark_sent_;
    sqlite::Statement mark_refused_;
    sqlite::Statement requeue_;
    sqlite::Statement refusals_;
    sqlite::Statement save_sync_;
    sqlite::Statement last_sync_;
};

}  // namespace cx::kiosk
