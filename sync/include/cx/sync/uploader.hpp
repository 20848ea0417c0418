#pragma once
// Moves records from an Outbox to cxserver: `sync_once` for `cxkiosk sync
// --once`, and UploadWorker, the kiosk's background uploader thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "cx/sync/outbox.hpp"
#include "cx/sync/upload_client.hpp"

namespace cx {

// One attempt per batch until the outbox is empty or an attempt fails; no
// waiting out a backoff (cron and systemd timers retry on their own schedule).
// Records the report in the outbox and returns it; success is
// `report.ok && report.remaining == 0`.
SyncReport sync_once(Outbox& outbox, const ClientConfig& config);

// Uploads on its own thread every `interval`, and soon after nudge() (called
// when a response is completed). Never blocks the caller: nudge() and the
// destructor only signal and join. Failed attempts back off per
// ClientConfig::retry; after a refused batch or spent retries it waits for the
// next interval and ignores nudges until then.
class UploadWorker {
  public:
    UploadWorker(Outbox& outbox, ClientConfig config, std::chrono::milliseconds interval);
    ~UploadWorker();  // stops and joins; an upload in flight is abandoned within ~1 s
    UploadWorker(const UploadWorker&) = delete;
    UploadWorker& operator=(const UploadWorker&) = delete;

    void nudge();
    // Staff pressed "sync now": a pass at once, even while nudges are ignored
    // after a refusal, and a retry delay in progress is cut short. Never blocks.
    void sync_now();

  private:
    void run();
    void upload_pass(UploadClient& client);
    // Sleeps until `deadline` or stop; true when stopping.
    bool sleep_until_stopped(std::chrono::steady_clock::time_point deadline);

    Outbox& outbox_;
    ClientConfig config_;
    std::chrono::milliseconds interval_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::atomic<bool> cancel_transfer_{false};  // read by libcurl's progress callback
    bool nudged_ = false;
    bool accept_nudges_ = true;
    bool cut_backoff_ = false;  // sync_now() during a retry delay: retry at once
    std::thread thread_;        // last: starts after every member above exists
};

}  // namespace cx
