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

struct SyncOptions {
    bool retry_refused = false;  // requeue the refused records first (staff asked)
};

// What the kiosk says in a heartbeat: the outbox's counts and newest record, the
// free space of `config.data_dir` (statvfs; 0 when it cannot be read, which the
// server shows as low disk), the client's clock offset and the time since `started`.
Result<Heartbeat> make_heartbeat(Outbox& outbox, const UploadClient& client,
                                 std::chrono::steady_clock::duration uptime);

// One attempt per batch until the outbox is empty or an attempt fails; no
// waiting out a backoff (cron and systemd timers retry on their own schedule).
// Records the server refuses one by one are marked refused and the next batch
// goes at once. Records the report in the outbox and returns it; everything
// was acknowledged when `report.ok && report.remaining == 0 && report.refused
// == 0`; `report.store_failed` says the outbox itself failed.
SyncReport sync_once(Outbox& outbox, const ClientConfig& config, const SyncOptions& options = {});

// Uploads on its own thread every `interval`, and soon after nudge() (called
// when a response is completed). Sends a heartbeat (sync/PROTOCOL.md) after every
// pass that reached the server and at least every ClientConfig::heartbeat_interval,
// also when nothing waits; a heartbeat that fails is not retried (the next one is
// due anyway) and never holds back an upload. Never blocks the caller: nudge() and the
// destructor only signal and join. Failed attempts back off per
// ClientConfig::retry; after a refused batch (401, 403: the token), spent
// retries or an outbox error it waits for the next interval and ignores nudges
// until then. Records refused one by one never hold the others back.
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
    // Staff pressed "retry refused": the refused records become waiting again and
    // a pass starts at once. Never blocks (the requeue runs on the worker thread).
    void retry_refused();

  private:
    void run();
    // True when an attempt of the pass got an HTTP reply.
    bool upload_pass(UploadClient& client);
    void send_heartbeat(UploadClient& client, std::chrono::steady_clock::time_point started);
    bool take_requeue_request();
    void hold_until_next_interval();
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
    bool requeue_refused_ = false;
    std::thread thread_;  // last: starts after every member above exists
};

}  // namespace cx
