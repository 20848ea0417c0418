#pragma once
// ApiServer's insides, shared by the files that implement them: the daemon
// lifecycle (api_server.cpp), the request flow (request_flow.cpp) and export
// streaming (export_stream.cpp).
#include <microhttpd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "connection_deadlines.hpp"
#include "cx/server/api_server.hpp"
#include "cx/server/enrolment_codes.hpp"
#include "cx/server/failure_limiter.hpp"
#include "cx/server/worker_pool.hpp"
#include "cx/sync/enrolment.hpp"
#include "exchange.hpp"

namespace cx {

// libmicrohttpd keeps a connection's request line, headers and read buffer in
// one pool of this size and answers 431 when a header block outgrows it; what
// fits is then held to kMaxHeaderBytes exactly.
constexpr std::size_t kConnectionMemory = 32 * 1024;
// How long shutting down waits for jobs and held-back replies to resume their
// connections; a job stuck past it (a hung database) must not hang the stop.
constexpr std::chrono::seconds kDrainTimeout{30};

struct ApiServer::Impl {
    ApiService& service;
    ServerOptions options;
    RequestLog& log;
    FailureLimiter bad_tokens;
    FailureLimiter bad_codes{kBadEnrolmentPolicy};  // POST /api/v1/enrol
    WebConsole console;
    Deadlines deadlines;
    std::string tls_cert, tls_key;  // PEM text, alive as long as the daemon
    int listen_fd = -1;

    std::mutex state_mutex;
    std::condition_variable state_changed;
    bool stop_requested = false;
    bool draining = false;   // no new suspensions once set
    bool abandoned = false;  // shutting down timed out with connections suspended
    int suspended = 0;       // connections waiting for a job or a held-back reply
    int bodies_in_memory = 0;
    int exports_streaming = 0;  // at most --threads: each holds a page in memory
    std::unordered_set<std::int64_t> uploading_grants;  // grant ids with a body in a slot

    std::unique_ptr<WorkerPool> pool;
    std::unique_ptr<Ticker> ticker;
    // What libmicrohttpd hands the export's read callback.
    struct ExportReader {
        Impl* server;
        std::shared_ptr<ExportStream> stream;
    };
    MHD_Daemon* daemon = nullptr;

    Impl(ApiService& s, ServerOptions o, RequestLog& l)
        : service(s),
          options(std::move(o)),
          log(l),
          console(s, ConsoleOptions{options.sessions, !options.tls_cert.empty()}) {}
    ~Impl() { shut_down(); }

    Result<int> bind_socket();
    void shut_down();

    // Suspends the connection and runs `job` on a worker; the job's end resumes it
    // (after `hold` when the reply must be held back). A job that throws is
    // logged, `failed` marks its request, and the connection is resumed all the
    // same. False when shutting down.
    bool run_suspended(MHD_Connection* connection, std::function<std::chrono::milliseconds()> job,
                       std::function<void()> failed);
    bool run_suspended(MHD_Connection* connection, Exchange& exchange,
                       std::function<std::chrono::milliseconds()> job) {
        return run_suspended(connection, std::move(job),
                             [&exchange] { exchange.job_failed = true; });
    }
    // Inside a catch block: logs what was thrown and where; never throws itself.
    void report_failure(std::string_view where) noexcept;
    void resume(MHD_Connection* connection);

    // The first call, when the headers are in.
    MHD_Result begin(MHD_Connection* connection, const char* url, const char* method,
                     const char* version, Exchange& exchange);
    // Later calls: after a job resumed the connection, and with body bytes.
    MHD_Result handle(MHD_Connection* connection, const char* upload, std::size_t* upload_size,
                      Exchange& exchange);
    MHD_Result start_body(MHD_Connection* connection, Exchange& exchange);
    MHD_Result receive(MHD_Connection* connection, const char* upload, std::size_t* upload_size,
                       Exchange& exchange);
    MHD_Result reply(MHD_Connection* connection, Exchange& exchange, const Reply& reply, bool close,
                     std::optional<std::chrono::seconds> retry_after = std::nullopt);
    MHD_Result refuse(MHD_Connection* connection, Exchange& exchange, ApiError error,
                      const std::string& detail,
                      std::optional<std::chrono::seconds> retry_after = std::nullopt) {
        return reply(connection, exchange, error_reply(error, detail), true, retry_after);
    }
    MHD_Result stream_export(MHD_Connection* connection, Exchange& exchange);
    // In a job: fetches `stream`'s first page, which decides the status (a failing
    // database is a 503, not a cut stream), and hands the stream to the exchange.
    void open_export(Exchange& exchange, std::shared_ptr<ExportStream> stream);
    // The held-back time for a failed authentication (and counts it).
    std::chrono::milliseconds judge(const Reply& refusal, const Exchange& exchange);
    // The same for an enrolment: every refusal but the store's 503 counts.
    std::chrono::milliseconds judge_enrolment(const Reply& reply, const Exchange& exchange);
    // What a request's body may hold: an enrolment is a code and a key, a form a few fields.
    std::size_t body_limit(const Exchange& exchange) const {
        if (exchange.route == Route::Enrol) return kMaxEnrolBody;
        if (exchange.route == Route::Form) return kMaxFormBody;
        return options.max_body;
    }
    // The console's view of a Page or Form request (cookies, language, address).
    std::unique_ptr<WebRequest> web_request(MHD_Connection* connection,
                                            const Exchange& exchange) const;
    QueryParams query_params(MHD_Connection* connection) const;
    Reply too_large(const Exchange& exchange) const {
        return error_reply(ApiError::PayloadTooLarge,
                           "request body over the limit of " +
                               std::to_string(body_limit(exchange)) +
                               " bytes (after gunzip); send smaller batches");
    }
    // One of the 2 × threads body slots, and the grant's one upload at a time:
    // a device uploads one batch at a time, so slow uploads on one token
    // cannot hold every slot.
    enum class BodySlot { Taken, GrantBusy, Full };
    BodySlot take_body_slot(Exchange& exchange);
    void give_back_body_slot(Exchange& exchange);
    bool take_export_slot(Exchange& exchange);
    void give_back_export_slot(Exchange& exchange);
    void completed(MHD_Connection* connection, Exchange* exchange);

    static MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url,
                                 const char* method, const char* version, const char* upload,
                                 std::size_t* upload_size, void** request_context);
    static void* on_request_line(void* cls, const char* uri, MHD_Connection* connection);
    static void on_completed(void* cls, MHD_Connection* connection, void** request_context,
                             MHD_RequestTerminationCode reason);
    static void on_connection(void* cls, MHD_Connection* connection, void** socket_context,
                              MHD_ConnectionNotificationCode code);
    static ssize_t read_export(void* cls, std::uint64_t position, char* buffer, std::size_t max);
    static void free_export(void* cls);
};

}  // namespace cx
