#pragma once
// One HTTP(S) connection to cxserver through libcurl: posts gzip'ed batches
// and reports what happened as a value. Not thread-safe: one per thread.
#include <atomic>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "cx/sync/outbox.hpp"
#include "cx/sync/protocol.hpp"
#include "cx/sync/retry_policy.hpp"

namespace cx {

struct ClientConfig {
    std::string server_url;  // "https://certifier.example:8443" (no trailing path)
    std::string token;       // device token from `cxserver add-token --role device`
    std::string ca_file;     // private CA bundle; empty = the system's trust store
    std::chrono::milliseconds connect_timeout{10000};
    std::chrono::milliseconds total_timeout{60000};
    std::size_t batch_size = kMaxBatchRecords;
    RetryPolicy retry;
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

    const ClientConfig& config() const { return config_; }

    // While `*flag` is true, a transfer in flight is abandoned within ~1 s
    // instead of running to its total timeout. The flag must outlive the client.
    void cancel_when(const std::atomic<bool>* flag);

  private:
    ClientConfig config_;
    struct Curl;
    std::unique_ptr<Curl> curl_;
};

}  // namespace cx
