#pragma once
// One HTTP(S) connection to cxserver through libcurl: posts gzip'ed batches
// and reports what happened as a value. Not thread-safe: one per thread.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "cx/sync/outbox.hpp"
#include "cx/sync/protocol.hpp"
#include "cx/sync/retry_policy.hpp"

namespace cx {

// The kiosk's wall clock. Injected so that a test can run a kiosk whose clock is off
// without touching the machine's.
using WallClock = std::function<std::chrono::system_clock::time_point()>;

struct ClientConfig {
    std::string server_url;  // "https://certifier.example:8443" (no trailing path)
    std::string token;       // device token from `cxserver add-token --role device`
    std::string ca_file;     // private CA bundle; empty = the system's trust store
    std::chrono::milliseconds connect_timeout{10000};
    std::chrono::milliseconds total_timeout{60000};
    std::size_t batch_size = kMaxBatchRecords;
    RetryPolicy retry;
    // Heartbeats (sync/PROTOCOL.md "POST /api/v1/heartbeat"): UploadWorker sends one
    // after every pass that reached the server, and at least this often while it runs.
    std::chrono::milliseconds heartbeat_interval{15 * 60 * 1000};
    std::string version = "unknown";  // the kiosk's build, reported in heartbeats
    std::filesystem::path data_dir;   // its free space is reported in heartbeats
    WallClock now = [] { return std::chrono::system_clock::now(); };
};

enum class TransportError {
    None,            // an HTTP reply arrived (any status)
    Connect,         // could not resolve or connect: offline, server down
    Timeout,         // connect or total timeout
    Tls,             // certificate not trusted, handshake failed
    ConnectionLost,  // connected, but the reply never came (reset, closed)
    BadUrl,          // server URL unusable
    Cancelled,       // the owner asked to stop (kiosk shutting down)
    Other,
};
std::string_view to_string(TransportError error);

struct UploadResult {
    TransportError transport = TransportError::None;
    int http_status = 0;  // 0 when transport != None
    BatchAck ack;         // valid when http_status == 200
    std::string detail;   // server's error detail or the transport error message
    AttemptOutcome outcome() const;
};

class UploadClient {
  public:
    explicit UploadClient(ClientConfig config);
    ~UploadClient();
    UploadClient(const UploadClient&) = delete;
    UploadClient& operator=(const UploadClient&) = delete;

    // Sends {"responses":[...]} gzip'ed; a 200 whose ack does not account for
    // the batch (stored + duplicates + refused ≠ its size, or a refusal naming a
    // record not in it) is reported as a transient failure: nothing is marked.
    UploadResult post_batch(std::span<const PendingRecord> records);
    // Sends the heartbeat gzip'ed; a 200 is its acknowledgement (ack stays empty).
    UploadResult post_heartbeat(const Heartbeat& heartbeat);

    // Kiosk clock minus server clock, from the `Date` header of the latest reply that
    // had one (any status); none before. `Date` has whole seconds, so the server's
    // time is taken as the middle of its second, and the kiosk's as the middle of the
    // request: the estimate is good to ± (round trip / 2 + 0.5 s).
    std::optional<std::chrono::milliseconds> clock_offset() const { return clock_offset_; }

    const ClientConfig& config() const { return config_; }

    // While `*flag` is true, a transfer in flight is abandoned within ~1 s
    // instead of running to its total timeout. The flag must outlive the client.
    void cancel_when(const std::atomic<bool>* flag);

  private:
    // Posts `body` gzip'ed to `path`; the reply's body in `reply`. Measures the clock
    // offset from its `Date` header.
    UploadResult post(std::string_view path, std::string_view body, std::string& reply);

    ClientConfig config_;
    std::optional<std::chrono::milliseconds> clock_offset_;
    struct Curl;
    std::unique_ptr<Curl> curl_;
};

}  // namespace cx
