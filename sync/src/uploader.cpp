#include "cx/sync/uploader.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <iostream>
#include <optional>
#include <random>
#include <utility>

#include "cx/scoring/response.hpp"

namespace cx {

namespace {

struct BatchAttempt {
    std::vector<PendingRecord> batch;
    UploadResult result;
    std::optional<Error> store_error;  // the outbox failed reading or marking the batch

    bool upload_failed() const {
        return !batch.empty() && result.outcome() != AttemptOutcome::Accepted;
    }
};

// What a pass has done so far, for its report.
struct PassTally {
    std::size_t sent = 0;
    std::size_t refused = 0;
    std::string latest_refusal;  // "code: detail" of the last record refused, for staff
    bool any() const { return sent + refused > 0; }
    void add(const BatchAck& ack) {
        sent += ack.stored + ack.duplicates;
        refused += ack.refused.size();
        if (!ack.refused.empty())
            latest_refusal = ack.refused.back().code + ": " + ack.refused.back().detail;
    }
};

// Marks what a 200 acknowledged sent, and what it refused record by record refused.
Status record_ack(Outbox& outbox, std::span<const PendingRecord> batch, const BatchAck& ack) {
    std::vector<bool> refused(batch.size(), false);
    for (const auto& refusal : ack.refused) refused[refusal.index] = true;  // checked by the client
    std::vector<std::string> ids;
    ids.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i)
        if (!refused[i]) ids.push_back(batch[i].id);
    if (!ids.empty())
        if (auto marked = outbox.mark_sent(ids); !marked) return marked;
    if (!ack.refused.empty()) return outbox.mark_refused(ack.refused);
    return Ok{};
}

// Sends the oldest waiting batch and records the server's 200 for each of its records.
BatchAttempt send_next_batch(Outbox& outbox, UploadClient& client) {
    BatchAttempt attempt;
    auto pending = outbox.pending(client.config().batch_size);
    if (!pending) {
        attempt.store_error = pending.error();
        return attempt;
    }
    attempt.batch = std::move(pending.value());
    if (attempt.batch.empty()) return attempt;
    attempt.result = client.post_batch(attempt.batch);
    if (attempt.result.outcome() == AttemptOutcome::Accepted)
        if (auto marked = record_ack(outbox, attempt.batch, attempt.result.ack); !marked)
            attempt.store_error = marked.error();
    return attempt;
}

SyncReport make_report(Outbox& outbox, const PassTally& tally, const BatchAttempt& last) {
    SyncReport report;
    report.at = std::chrono::system_clock::now();
    report.sent = tally.sent;
    report.refused = tally.refused;
    if (last.upload_failed()) {
        report.http_status = last.result.http_status;
        report.detail = last.result.detail;
    } else {
        report.http_status = tally.any() ? 200 : 0;
        report.detail = tally.latest_refusal;
    }
    auto store_error = last.store_error;
    if (auto remaining = outbox.pending_count())
        report.remaining = remaining.value();
    else if (!store_error)
        store_error = remaining.error();
    if (store_error) {
        report.store_failed = true;
        report.detail = "store: " + store_error->message;
    }
    report.ok = !last.upload_failed() && !store_error;
    return report;
}

// Stores the report; a store that cannot take it makes the report a store failure.
SyncReport recorded(Outbox& outbox, SyncReport report) {
    if (auto stored = outbox.record_sync(report); !stored) {
        report.ok = false;
        report.store_failed = true;
        report.detail = "store: recording the sync result: " + stored.error().message;
    }
    return report;
}

BatchAttempt store_failure(Error error) {
    BatchAttempt attempt;
    attempt.store_error = std::move(error);
    return attempt;
}

}  // namespace

Result<Heartbeat> make_heartbeat(Outbox& outbox, const UploadClient& client,
                                 std::chrono::steady_clock::duration uptime) {
    auto health = outbox.health();
    if (!health) return health.error();
    const auto& config = client.config();
    Heartbeat heartbeat;
    heartbeat.version = config.version;
    heartbeat.uptime_s = std::chrono::duration_cast<std::chrono::seconds>(uptime).count();
    heartbeat.waiting = health.value().waiting;
    heartbeat.refused = health.value().refused;
    if (auto at = health.value().last_record_at)
        heartbeat.last_activity =
            format_utc_timestamp(std::chrono::floor<std::chrono::seconds>(*at));
    struct statvfs disk {};
    if (!config.data_dir.empty() && ::statvfs(config.data_dir.c_str(), &disk) == 0)
        heartbeat.free_disk_bytes =
            static_cast<std::int64_t>(disk.f_bavail) * static_cast<std::int64_t>(disk.f_frsize);
    if (auto offset = client.clock_offset()) heartbeat.clock_offset_ms = offset->count();
    return heartbeat;
}

SyncReport sync_once(Outbox& outbox, const ClientConfig& config, const SyncOptions& options) {
    PassTally tally;
    if (options.retry_refused)
        if (auto requeued = outbox.requeue_refused(); !requeued)
            return recorded(outbox, make_report(outbox, tally, store_failure(requeued.error())));
    UploadClient client(config);
    for (;;) {
        auto attempt = send_next_batch(outbox, client);
        if (attempt.store_error || attempt.batch.empty() || attempt.upload_failed())
            return recorded(outbox, make_report(outbox, tally, attempt));
        tally.add(attempt.result.ack);
    }
}

UploadWorker::UploadWorker(Outbox& outbox, ClientConfig config, std::chrono::milliseconds interval)
    : outbox_(outbox),
      config_(std::move(config)),
      interval_(interval),
      thread_([this] { run(); }) {}

UploadWorker::~UploadWorker() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cancel_transfer_ = true;
    wake_.notify_all();
    thread_.join();
}

void UploadWorker::nudge() {
    {
        std::lock_guard lock(mutex_);
        if (!accept_nudges_) return;
        nudged_ = true;
    }
    wake_.notify_all();
}

void UploadWorker::retry_refused() {
    {
        std::lock_guard lock(mutex_);
        requeue_refused_ = true;
        nudged_ = true;
        cut_backoff_ = true;
    }
    wake_.notify_all();
}

bool UploadWorker::take_requeue_request() {
    std::lock_guard lock(mutex_);
    return std::exchange(requeue_refused_, false);
}

void UploadWorker::hold_until_next_interval() {
    std::lock_guard lock(mutex_);
    accept_nudges_ = false;
    nudged_ = false;
}

void UploadWorker::sync_now() {
    {
        std::lock_guard lock(mutex_);
        nudged_ = true;
        cut_backoff_ = true;
    }
    wake_.notify_all();
}

bool UploadWorker::sleep_until_stopped(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    wake_.wait_until(lock, deadline, [this] { return stopping_ || cut_backoff_; });
    cut_backoff_ = false;
    return stopping_;
}

void UploadWorker::run() {
    using std::chrono::steady_clock;
    UploadClient client(config_);
    client.cancel_when(&cancel_transfer_);
    const auto started = steady_clock::now();
    auto heartbeat_due = started;
    for (;;) {
        bool reached_server = upload_pass(client);
        const auto next_pass = steady_clock::now() + interval_;
        // Between passes: heartbeats when due, until a nudge or the next interval.
        for (;;) {
            if (reached_server || steady_clock::now() >= heartbeat_due) {
                send_heartbeat(client, started);
                heartbeat_due = steady_clock::now() + config_.heartbeat_interval;
                reached_server = false;
            }
            std::unique_lock lock(mutex_);
            wake_.wait_until(lock, std::min(next_pass, heartbeat_due),
                             [this] { return stopping_ || nudged_; });
            if (stopping_) return;
            if (nudged_ || steady_clock::now() >= next_pass) break;
        }
        std::lock_guard lock(mutex_);
        nudged_ = false;
        accept_nudges_ = true;
    }
}

void UploadWorker::send_heartbeat(UploadClient& client,
                                  std::chrono::steady_clock::time_point started) {
    auto heartbeat = make_heartbeat(outbox_, client, std::chrono::steady_clock::now() - started);
    if (!heartbeat) {
        std::cerr << "cx upload: no heartbeat: store: " << heartbeat.error().message << '\n';
        return;
    }
    // Not retried: the next heartbeat is due within the interval anyway.
    auto sent = client.post_heartbeat(heartbeat.value());
    if (sent.outcome() != AttemptOutcome::Accepted && sent.transport != TransportError::Cancelled)
        std::cerr << "cx upload: heartbeat not delivered: "
                  << (sent.detail.empty() ? std::string(to_string(sent.transport)) : sent.detail)
                  << '\n';
}

bool UploadWorker::upload_pass(UploadClient& client) {
    std::mt19937_64 random(std::random_device{}());
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    PassTally tally;
    int attempt_of_batch = 1;
    bool reached_server = false;
    // The worker has no caller to tell; a store that cannot keep the report is
    // also what the panel's next read of it shows.
    auto report = [&](const BatchAttempt& last) {
        auto kept = recorded(outbox_, make_report(outbox_, tally, last));
        if (kept.store_failed && !last.store_error)
            std::cerr << "cx upload: " << kept.detail << '\n';
    };
    for (;;) {
        bool stopping;
        {
            std::lock_guard lock(mutex_);
            stopping = stopping_;
        }
        if (!stopping && take_requeue_request())
            if (auto requeued = outbox_.requeue_refused(); !requeued) {
                report(store_failure(requeued.error()));
                hold_until_next_interval();
                return reached_server;
            }
        // When stopping, fall through to the report so staff see what this pass sent.
        auto attempt = stopping ? BatchAttempt{} : send_next_batch(outbox_, client);
        if (!attempt.batch.empty() && attempt.result.transport == TransportError::None)
            reached_server = true;
        if (attempt.store_error) {
            report(attempt);
            hold_until_next_interval();
            return reached_server;
        }
        if (attempt.batch.empty()) {
            if (tally.any()) report(attempt);
            return reached_server;
        }
        auto decision =
            decide(config_.retry, attempt_of_batch, attempt.result.outcome(), unit(random));
        switch (decision.action) {
            case RetryAction::Continue:
                tally.add(attempt.result.ack);
                attempt_of_batch = 1;
                continue;
            case RetryAction::RetryAfter:
                report(attempt);
                if (sleep_until_stopped(std::chrono::steady_clock::now() + decision.delay))
                    return reached_server;
                ++attempt_of_batch;
                continue;
            case RetryAction::GiveUpUntilNextInterval:
            case RetryAction::StopAndReport:
                report(attempt);
                hold_until_next_interval();
                return reached_server;
        }
    }
}

}  // namespace cx
