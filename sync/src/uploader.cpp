#include "cx/sync/uploader.hpp"

#include <optional>
#include <random>

namespace cx {

namespace {

struct BatchAttempt {
    std::vector<PendingRecord> batch;
    UploadResult result;
    std::optional<Error> store_error;  // the outbox failed reading or marking the batch
};

// Sends the oldest pending batch and marks it sent when the server's 200 covers it.
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
    if (attempt.result.outcome() == AttemptOutcome::Accepted) {
        std::vector<std::string> ids;
        ids.reserve(attempt.batch.size());
        for (const auto& record : attempt.batch) ids.push_back(record.id);
        if (auto marked = outbox.mark_sent(ids); !marked) attempt.store_error = marked.error();
    }
    return attempt;
}

SyncReport make_report(Outbox& outbox, std::size_t sent, const UploadResult* failure,
                       std::optional<Error> store_error = std::nullopt) {
    SyncReport report;
    report.at = std::chrono::system_clock::now();
    report.sent = sent;
    if (auto remaining = outbox.pending_count())
        report.remaining = remaining.value();
    else if (!store_error)
        store_error = remaining.error();
    report.ok = failure == nullptr && !store_error;
    if (failure) {
        report.http_status = failure->http_status;
        report.detail = failure->detail;
    } else {
        report.http_status = sent ? 200 : 0;
    }
    if (store_error) {
        report.store_failed = true;
        report.detail = "store: " + store_error->message;
    }
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

}  // namespace

SyncReport sync_once(Outbox& outbox, const ClientConfig& config) {
    UploadClient client(config);
    std::size_t sent = 0;
    for (;;) {
        auto attempt = send_next_batch(outbox, client);
        const bool failed =
            !attempt.batch.empty() && attempt.result.outcome() != AttemptOutcome::Accepted;
        if (attempt.batch.empty() || failed || attempt.store_error)
            return recorded(outbox, make_report(outbox, sent, failed ? &attempt.result : nullptr,
                                                attempt.store_error));
        sent += attempt.batch.size();
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
    UploadClient client(config_);
    client.cancel_when(&cancel_transfer_);
    for (;;) {
        upload_pass(client);
        std::unique_lock lock(mutex_);
        auto next_interval = std::chrono::steady_clock::now() + interval_;
        wake_.wait_until(lock, next_interval, [this] { return stopping_ || nudged_; });
        if (stopping_) return;
        nudged_ = false;
        accept_nudges_ = true;
    }
}

void UploadWorker::upload_pass(UploadClient& client) {
    std::mt19937_64 random(std::random_device{}());
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::size_t sent = 0;
    int attempt_of_batch = 1;
    for (;;) {
        bool stopping;
        {
            std::lock_guard lock(mutex_);
            stopping = stopping_;
        }
        // When stopping, fall through to the report so staff see what this pass sent.
        auto attempt = stopping ? BatchAttempt{} : send_next_batch(outbox_, client);
        if (attempt.store_error) {
            recorded(outbox_, make_report(outbox_, sent, nullptr, attempt.store_error));
            return;  // the next interval tries again
        }
        if (attempt.batch.empty()) {
            if (sent) recorded(outbox_, make_report(outbox_, sent, nullptr));
            return;
        }
        auto decision =
            decide(config_.retry, attempt_of_batch, attempt.result.outcome(), unit(random));
        switch (decision.action) {
            case RetryAction::Continue:
                sent += attempt.batch.size();
                attempt_of_batch = 1;
                continue;
            case RetryAction::RetryAfter:
                recorded(outbox_, make_report(outbox_, sent, &attempt.result));
                if (sleep_until_stopped(std::chrono::steady_clock::now() + decision.delay)) return;
                ++attempt_of_batch;
                continue;
            case RetryAction::GiveUpUntilNextInterval:
            case RetryAction::StopAndReport: {
                recorded(outbox_, make_report(outbox_, sent, &attempt.result));
                std::lock_guard lock(mutex_);
                accept_nudges_ = false;
                nudged_ = false;
                return;
            }
        }
    }
}

}  // namespace cx
