#include "upload_queue.hpp"

#include <nlohmann/json.hpp>

#include "cx/sqlite/connection.hpp"
#include "cx/sqlite/transaction.hpp"
#include "utc_text.hpp"

namespace cx::kiosk {

std::string_view to_string(UploadState state) {
    switch (state) {
        case UploadState::Waiting:
            return "waiting";
        case UploadState::Sent:
            return "sent";
        case UploadState::Refused:
            return "refused";
    }
    return "waiting";
}

namespace {

std::string compact(const nlohmann::json& detail) {
    return detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// {"result":"ok"|"failed","http_status":…,"sent":…,"refused":…,"remaining":…,"detail":"…"}
std::string sync_audit_detail(const SyncReport& report) {
    return compact({{"result", report.ok ? "ok" : "failed"},
                    {"http_status", report.http_status},
                    {"sent", report.sent},
                    {"refused", report.refused},
                    {"remaining", report.remaining},
                    {"detail", report.detail}});
}

}  // namespace

UploadQueue::UploadQueue(sqlite::Connection& db, AuditLog& audit)
    : db_(db),
      audit_(audit),
      pending_(db,
               "SELECT id, record FROM responses WHERE upload_state = 'waiting' "
               "ORDER BY rowid LIMIT ?1"),
      count_waiting_(db, "SELECT COUNT(*) FROM responses WHERE upload_state = 'waiting'"),
      health_(db,
              "SELECT COALESCE(SUM(upload_state = 'waiting'), 0), "
              "COALESCE(SUM(upload_state = 'refused'), 0), MAX(submitted_ms) FROM responses"),
      mark_sent_(db,
                 "UPDATE responses SET upload_state = 'sent', sent_at = ?1 "
                 "WHERE id = ?2 AND upload_state = 'waiting'"),
      mark_refused_(db,
                    "UPDATE responses SET upload_state = 'refused', refusal_code = ?2, "
                    "refusal_detail = ?3, refused_at = ?4 "
                    "WHERE id = ?1 AND upload_state = 'waiting'"),
      requeue_(db, "UPDATE responses SET upload_state = 'waiting' WHERE upload_state = 'refused'"),
      refusals_(db,
                "SELECT id, seq, refusal_code, refusal_detail, refused_at FROM responses "
                "WHERE upload_state = 'refused' ORDER BY refused_at DESC, rowid DESC LIMIT ?1"),
      save_sync_(db,
                 "INSERT INTO sync_state "
                 "(singleton, at, ok, http_status, sent, refused, remaining, detail) "
                 "VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (singleton) DO UPDATE SET "
                 "at = excluded.at, ok = excluded.ok, http_status = excluded.http_status, "
                 "sent = excluded.sent, refused = excluded.refused, "
                 "remaining = excluded.remaining, detail = excluded.detail"),
      last_sync_(db,
                 "SELECT at, ok, http_status, sent, refused, remaining, detail FROM sync_state") {}

Status UploadQueue::prepared() const {
    return sqlite::all_prepared({&pending_, &count_waiting_, &health_, &mark_sent_, &mark_refused_,
                                 &requeue_, &refusals_, &save_sync_, &last_sync_});
}

Result<std::vector<PendingRecord>> UploadQueue::pending(std::size_t limit) {
    pending_.reset().bind(1, static_cast<std::int64_t>(limit));
    std::vector<PendingRecord> records;
    for (;;) {
        auto row = pending_.step();
        if (!row) return row.error();
        if (!row.value()) return records;
        records.push_back({std::string(pending_.text(0)), std::string(pending_.text(1))});
    }
}

Result<std::size_t> UploadQueue::pending_count() {
    auto row = count_waiting_.reset().step();
    if (!row) return row.error();
    const auto count = static_cast<std::size_t>(count_waiting_.integer(0));
    count_waiting_.reset();
    return count;
}

Result<OutboxHealth> UploadQueue::health() {
    auto row = health_.reset().step();
    if (!row) return row.error();
    OutboxHealth health{health_.integer(0), health_.integer(1), std::nullopt};
    if (!health_.is_null(2))
        health.last_record_at =
            std::chrono::system_clock::time_point{std::chrono::milliseconds{health_.integer(2)}};
    health_.reset();
    return health;
}

Status UploadQueue::mark_sent(std::span<const std::string> ids) {
    auto tx = sqlite::Transaction::begin(db_);
    if (!tx) return tx.error();
    const auto now = utc_now_text();
    for (const auto& id : ids)
        if (auto done = mark_sent_.reset().bind(1, now).bind(2, id).run(); !done) return done;
    return tx.value().commit();
}

Status UploadQueue::mark_refused(std::span<const RecordRefusal> refusals) {
    auto tx = sqlite::Transaction::begin(db_);
    if (!tx) return tx.error();
    const auto now = utc_now_text();
    for (const auto& refusal : refusals) {
        auto done = mark_refused_.reset()
                        .bind(1, refusal.id)
                        .bind(2, refusal.code)
                        .bind(3, refusal.detail)
                        .bind(4, now)
                        .run();
        if (!done) return done;
    }
    return tx.value().commit();
}

Result<std::size_t> UploadQueue::requeue_refused() {
    auto tx = sqlite::Transaction::begin(db_);
    if (!tx) return tx.error();
    if (auto done = requeue_.reset().run(); !done) return done.error();
    const auto count = static_cast<std::size_t>(db_.changes());
    if (auto logged = audit_.append("refused_requeued", compact({{"count", count}})); !logged)
        return logged.error();
    if (auto committed = tx.value().commit(); !committed) return committed.error();
    return count;
}

Result<std::vector<RefusalEntry>> UploadQueue::latest_refusals(std::size_t limit) {
    refusals_.reset().bind(1, static_cast<std::int64_t>(limit));
    std::vector<RefusalEntry> entries;
    for (;;) {
        auto row = refusals_.step();
        if (!row) return row.error();
        if (!row.value()) return entries;
        entries.push_back({std::string(refusals_.text(0)), refusals_.integer(1),
                           std::string(refusals_.text(2)), std::string(refusals_.text(3)),
                           std::string(refusals_.text(4))});
    }
}

Status UploadQueue::record_sync(const SyncReport& report) {
    auto tx = sqlite::Transaction::begin(db_);
    if (!tx) return tx.error();
    auto previous = last_sync();
    if (!previous) return previous.error();
    auto saved = save_sync_.reset()
                     .bind(1, utc_text(report.at))
                     .bind(2, std::int64_t{report.ok})
                     .bind(3, std::int64_t{report.http_status})
                     .bind(4, static_cast<std::int64_t>(report.sent))
                     .bind(5, static_cast<std::int64_t>(report.refused))
                     .bind(6, static_cast<std::int64_t>(report.remaining))
                     .bind(7, report.detail)
                     .run();
    if (!saved) return saved;
    // The audit log gets the changes (went offline, came back), not every attempt.
    const bool changed = !previous.value() || previous.value()->ok != report.ok;
    if (changed)
        if (auto logged = audit_.append("sync", sync_audit_detail(report)); !logged) return logged;
    return tx.value().commit();
}

Result<std::optional<SyncReport>> UploadQueue::last_sync() {
    auto row = last_sync_.reset().step();
    if (!row) return row.error();
    if (!row.value()) return std::optional<SyncReport>{};
    SyncReport report;
    if (auto at = parse_utc_timestamp(last_sync_.text(0))) report.at = *at;
    report.ok = last_sync_.integer(1) != 0;
    report.http_status = static_cast<int>(last_sync_.integer(2));
    report.sent = static_cast<std::size_t>(last_sync_.integer(3));
    report.refused = static_cast<std::size_t>(last_sync_.integer(4));
    report.remaining = static_cast<std::size_t>(last_sync_.integer(5));
    report.detail = std::string(last_sync_.text(6));
    last_sync_.reset();
    return std::optional<SyncReport>{std::move(report)};
}

}  // namespace cx::kiosk
