#include "cx/server/api_server.hpp"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cx/scoring/response.hpp"
#include "cx/server/failure_limiter.hpp"
#include "cx/server/request_body.hpp"
#include "cx/server/strict_headers.hpp"
#include "cx/server/worker_pool.hpp"

namespace cx {

Result<std::pair<std::string, int>> parse_listen_address(std::string_view text) {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
        return Error{"--listen must be HOST:PORT (got \"" + std::string(text) + "\")"};
    std::string host(text.substr(0, colon));
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    auto digits = text.substr(colon + 1);
    int port = -1;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || end != digits.data() + digits.size() || port < 0 || port > 65535)
        return Error{"--listen port must be 0–65535 (got \"" + std::string(digits) + "\")"};
    return std::pair{std::move(host), port};
}

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kExportPageRecords = 2000;
// libmicrohttpd keeps a connection's request line, headers and read buffer in
// one pool of this size and answers 431 when a header block outgrows it; what
// fits is then held to kMaxHeaderBytes exactly.
constexpr std::size_t kConnectionMemory = 32 * 1024;
// How long shutting down waits for jobs and held-back replies to resume their
// connections; a job stuck past it (a hung database) must not hang the stop.
constexpr std::chrono::seconds kDrainTimeout{30};

// Absolute deadlines libmicrohttpd does not keep (its timeout restarts with
// every byte): a connection past its deadline has its socket shut down, which
// the event loop sees as the client leaving. Entries are added and removed by
// libmicrohttpd's connection notifications, before it closes the socket, so a
// reused descriptor is never touched.
class Deadlines {
  public:
    void opened(MHD_Connection* connection, int fd, Clock::time_point deadline) {
        std::lock_guard lock(mutex_);
        entries_[connection] = {fd, deadline};
    }
    void set(MHD_Connection* connection, Clock::time_point deadline) {
        std::lock_guard lock(mutex_);
        if (auto found = entries_.find(connection); found != entries_.end())
            found->second.deadline = deadline;
    }
    void clear(MHD_Connection* connection) { set(connection, Clock::time_point::max()); }
    void closed(MHD_Connection* connection) {
        std::lock_guard lock(mutex_);
        entries_.erase(connection);
    }
    void reap(Clock::time_point now) {
        std::lock_guard lock(mutex_);
        for (auto& [connection, entry] : entries_) {
            if (entry.deadline > now) continue;
            ::shutdown(entry.fd, SHUT_RDWR);
            entry.deadline = Clock::time_point::max();
        }
    }

  private:
    struct Entry {
        int fd;
        Clock::time_point deadline;
    };
    std::mutex mutex_;
    std::unordered_map<MHD_Connection*, Entry> entries_;
};

// One thread for what happens at a time: held-back replies and the deadline sweep.
class Ticker {
  public:
    explicit Ticker(std::function<void(Clock::time_point)> every_tick)
        : every_tick_(std::move(every_tick)), thread_([this] { loop(); }) {}
    ~Ticker() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }
    void at(Clock::time_point when, std::function<void()> job) {
        {
            std::lock_guard lock(mutex_);
            jobs_.emplace(when, std::move(job));
        }
        wake_.notify_all();
    }

  private:
    static constexpr std::chrono::milliseconds kTick{100};
    void loop() {
        std::unique_lock lock(mutex_);
        while (!stopping_ || !jobs_.empty()) {
            auto now = Clock::now();
            while (!jobs_.empty() && (jobs_.begin()->first <= now || stopping_)) {
                auto job = std::move(jobs_.begin()->second);
                jobs_.erase(jobs_.begin());
                lock.unlock();
                job();
                lock.lock();
            }
            lock.unlock();
            every_tick_(now);
            lock.lock();
            auto next = now + kTick;
            if (!jobs_.empty()) next = std::min(next, jobs_.begin()->first);
            wake_.wait_until(lock, next);
        }
    }
    std::function<void(Clock::time_point)> every_tick_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::multimap<Clock::time_point, std::function<void()>> jobs_;
    bool stopping_ = false;
    std::thread thread_;
};

enum class Route { Health, Upload, Score, Export, Unknown };

struct ExportStream;

// One request from its request line to its log line. The event thread owns it,
// except while its connection is suspended: then the one job working on it does.
struct Exchange {
    // Ready: a GET's reply is known; it is queued once the request has been
    // read to its end (queued from the headers alone, libmicrohttpd would
    // close the connection after it).
    enum class Stage { Headers, Authorizing, Receiving, Discarding, Working, Ready, Replied };
    Clock::time_point start = Clock::now();
    std::string method = "-";
    std::string path;             // without the query string: never logged
    std::size_t target_size = 0;  // the request target as sent, query included
    std::string address;
    Route route = Route::Unknown;
    std::string org;
    Stage stage = Stage::Headers;
    // Written by the job, read by the event thread after the connection resumes.
    std::optional<Reply> reply;
    std::optional<std::chrono::seconds> retry_after;
    std::optional<TokenGrant> grant;
    std::shared_ptr<ExportStream> export_stream;
    std::unique_ptr<RequestBody> body;
    bool holds_body_slot = false;
    bool holds_export_slot = false;
    bool job_failed = false;    // a job threw: the reply is 500 internal
    std::size_t discarded = 0;  // body bytes let pass after the body was refused
    int status = 0;             // 0 until a reply is queued: the log shows dropped requests as 0
    std::size_t records = 0;
};

// An export sent page by page: the event thread hands out the fetched page;
// when it is used up, a job fetches the next while the connection is suspended.
struct ExportStream {
    MHD_Connection* connection = nullptr;
    ResponseQuery query;
    std::mutex mutex;
    std::string page;
    std::size_t offset = 0;
    std::optional<ExportCursor> after;
    bool finished = false;
    bool failed = false;
    std::atomic<std::size_t> records{0};
};

// Fetches the page after stream.after; the stream is not yet shared or its
// connection is suspended, so only this job touches it.
Status fetch_page(ExportStream& stream, ServerStore& store) {
    auto page = store.export_page(stream.query, stream.after, kExportPageRecords);
    std::lock_guard lock(stream.mutex);
    if (!page) {
        stream.failed = true;
        return page.error();
    }
    stream.page.clear();
    stream.offset = 0;
    for (const auto& line : page.value().lines) stream.page.append(line).push_back('\n');
    stream.records += page.value().lines.size();
    stream.after = page.value().next;
    stream.finished = !stream.after;
    return Ok{};
}

std::string header_value(MHD_Connection* connection, const char* name) {
    const char* value = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name);
    return value ? value : "";
}

// IPv4 addresses as they are; IPv6 by their /64, which one subscriber usually holds whole.
std::string address_key(MHD_Connection* connection) {
    const auto* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr) return "?";
    char text[INET6_ADDRSTRLEN] = "?";
    if (info->client_addr->sa_family == AF_INET) {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(info->client_addr);
        inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
        return text;
    }
    if (info->client_addr->sa_family == AF_INET6) {
        auto v6 = *reinterpret_cast<const sockaddr_in6*>(info->client_addr);
        std::memset(v6.sin6_addr.s6_addr + 8, 0, 8);
        inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
        return std::string(text) + "/64";
    }
    return "?";
}

// "/api/v1/orgs/{org}/score" and ".../responses.jsonl"; anything else is Unknown.
std::pair<Route, std::string> route_of(std::string_view method, std::string_view path) {
    if (path == kHealthPath) return {method == "GET" ? Route::Health : Route::Unknown, {}};
    if (path == kResponsesPath) return {method == "POST" ? Route::Upload : Route::Unknown, {}};
    constexpr std::string_view kOrgs = "/api/v1/orgs/";
    if (method != "GET" || !path.starts_with(kOrgs)) return {Route::Unknown, {}};
    auto rest = path.substr(kOrgs.size());
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return {Route::Unknown, {}};
    std::string org(rest.substr(0, slash));
    if (!is_valid_identifier(org)) return {Route::Unknown, {}};
    auto leaf = rest.substr(slash);
    if (leaf == "/score") return {Route::Score, org};
    if (leaf == "/responses.jsonl") return {Route::Export, org};
    return {Route::Unknown, {}};
}

Result<std::string> read_pem(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    if (!file || text.str().empty()) return Error{"cannot read TLS file " + path};
    return text.str();
}

// Every asynchronous signal blocked while server threads are created, so they
// inherit the mask: signals go to the thread that waits for them (main.cpp).
class SignalsBlocked {
  public:
    SignalsBlocked() {
        sigset_t all;
        sigfillset(&all);
        for (int synchronous : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP})
            sigdelset(&all, synchronous);
        pthread_sigmask(SIG_BLOCK, &all, &previous_);
    }
    ~SignalsBlocked() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

  private:
    sigset_t previous_;
};

}  // namespace

struct ApiServer::Impl {
    ApiService& service;
    ServerOptions options;
    RequestLog& log;
    FailureLimiter bad_tokens;
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
        : service(s), options(std::move(o)), log(l) {}
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
    // The held-back time for a failed authentication (and counts it).
    std::chrono::milliseconds judge(const Reply& refusal, const Exchange& exchange);
    QueryParams query_params(MHD_Connection* connection) const;
    Reply too_large() const {
        return error_reply(ApiError::PayloadTooLarge,
                           "request body over the limit of " + std::to_string(options.max_body) +
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

bool ApiServer::Impl::run_suspended(MHD_Connection* connection,
                                    std::function<std::chrono::milliseconds()> job,
                                    std::function<void()> failed) {
    {
        std::lock_guard lock(state_mutex);
        if (draining) return false;
        ++suspended;
    }
    MHD_suspend_connection(connection);
    try {
        pool->submit([this, connection, job = std::move(job), failed = std::move(failed)] {
            std::chrono::milliseconds hold{};
            try {
                hold = job();
            } catch (...) {
                report_failure("a worker job");
                failed();
            }
            if (hold.count() > 0) {
                try {
                    ticker->at(Clock::now() + hold, [this, connection] { resume(connection); });
                    return;
                } catch (...) {
                    report_failure("holding back a reply");
                }
            }
            resume(connection);
        });
    } catch (...) {
        resume(connection);  // not queued: the caller's catch answers
        throw;
    }
    return true;
}

void ApiServer::Impl::report_failure(std::string_view where) noexcept {
    try {
        try {
            throw;
        } catch (const std::exception& failure) {
            log.note(std::string(where) + " failed: " + failure.what());
        } catch (...) {
            log.note(std::string(where) + " failed: unknown exception");
        }
    } catch (...) {  // out of memory even for the log line
    }
}

void ApiServer::Impl::resume(MHD_Connection* connection) {
    MHD_resume_connection(connection);
    std::lock_guard lock(state_mutex);
    --suspended;
    state_changed.notify_all();
}

std::chrono::milliseconds ApiServer::Impl::judge(const Reply& refusal, const Exchange& exchange) {
    if (refusal.status != http_status(ApiError::Unauthorized)) return {};
    return bad_tokens.record_failure(exchange.address, Clock::now());
}

QueryParams ApiServer::Impl::query_params(MHD_Connection* connection) const {
    QueryParams params;
    for (auto [name, slot] : {std::pair{"from", &params.from}, std::pair{"to", &params.to},
                              std::pair{"site", &params.site}})
        if (const char* value =
                MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, name))
            *slot = value;
    return params;
}

ApiServer::Impl::BodySlot ApiServer::Impl::take_body_slot(Exchange& exchange) {
    std::lock_guard lock(state_mutex);
    if (uploading_grants.contains(exchange.grant->id)) return BodySlot::GrantBusy;
    if (bodies_in_memory >= 2 * options.threads) return BodySlot::Full;
    uploading_grants.insert(exchange.grant->id);
    ++bodies_in_memory;
    exchange.holds_body_slot = true;
    return BodySlot::Taken;
}

bool ApiServer::Impl::take_export_slot(Exchange& exchange) {
    std::lock_guard lock(state_mutex);
    if (exports_streaming >= options.threads) return false;
    ++exports_streaming;
    exchange.holds_export_slot = true;
    return true;
}

void ApiServer::Impl::give_back_export_slot(Exchange& exchange) {
    if (!exchange.holds_export_slot) return;
    exchange.holds_export_slot = false;
    std::lock_guard lock(state_mutex);
    --exports_streaming;
}

void ApiServer::Impl::give_back_body_slot(Exchange& exchange) {
    if (!exchange.holds_body_slot) return;
    exchange.holds_body_slot = false;
    std::lock_guard lock(state_mutex);
    --bodies_in_memory;
    uploading_grants.erase(exchange.grant->id);
}

MHD_Result ApiServer::Impl::reply(MHD_Connection* connection, Exchange& exchange,
                                  const Reply& reply, bool close,
                                  std::optional<std::chrono::seconds> retry_after) {
    auto* response = MHD_create_response_from_buffer(
        reply.body.size(), const_cast<char*>(reply.body.data()), MHD_RESPMEM_MUST_COPY);
    if (!response) return MHD_NO;
    bool headed = MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                                          "application/json") == MHD_YES;
    // A refusal before the body is read leaves the connection's byte stream
    // unusable for another request.
    if (close)
        headed = headed &&
                 MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES;
    if (retry_after)
        headed = headed &&
                 MHD_add_response_header(response, MHD_HTTP_HEADER_RETRY_AFTER,
                                         std::to_string(retry_after->count()).c_str()) == MHD_YES;
    if (!headed) {  // a reply without its headers would mislead: drop the connection
        MHD_destroy_response(response);
        log.note("could not add a reply header; connection dropped");
        return MHD_NO;
    }
    exchange.status = reply.status;
    exchange.records = reply.records;
    exchange.stage = Exchange::Stage::Replied;
    auto queued = MHD_queue_response(connection, static_cast<unsigned>(reply.status), response);
    MHD_destroy_response(response);
    return queued;
}

MHD_Result ApiServer::Impl::handle(MHD_Connection* connection, const char* upload,
                                   std::size_t* upload_size, Exchange& exchange) {
    if (exchange.job_failed && exchange.stage != Exchange::Stage::Replied)
        return refuse(connection, exchange, ApiError::Internal,
                      "the server failed while handling this request; retry later");
    switch (exchange.stage) {
        case Exchange::Stage::Headers:
            break;                          // begin() handles it
        case Exchange::Stage::Authorizing:  // resumed: the job decided
            if (exchange.reply && exchange.reply->status != 200)
                return reply(connection, exchange, *exchange.reply, true, exchange.retry_after);
            if (exchange.route == Route::Upload) return start_body(connection, exchange);
            if (exchange.export_stream && !take_export_slot(exchange))
                return refuse(connection, exchange, ApiError::Unavailable,
                              "the server streams as many exports as it may; retry shortly",
                              std::chrono::seconds{1});
            exchange.stage = Exchange::Stage::Ready;
            return MHD_YES;
        case Exchange::Stage::Ready:
            if (*upload_size > 0) return MHD_NO;  // a GET with a body: dropped, not read
            if (exchange.export_stream) return stream_export(connection, exchange);
            return reply(connection, exchange, *exchange.reply, false);
        case Exchange::Stage::Receiving:
            return receive(connection, upload, upload_size, exchange);
        case Exchange::Stage::Discarding:
            if (*upload_size == 0) return reply(connection, exchange, *exchange.reply, true);
            exchange.discarded += *upload_size;
            *upload_size = 0;
            // A chunked body has no announced length: past the limit it is cut off.
            return exchange.discarded > options.max_body ? MHD_NO : MHD_YES;
        case Exchange::Stage::Working:  // resumed: the ingest is done
            return reply(connection, exchange, *exchange.reply, false);
        case Exchange::Stage::Replied:
            break;
    }
    *upload_size = 0;  // a refused request's body is never looked at
    return MHD_YES;
}

MHD_Result ApiServer::Impl::begin(MHD_Connection* connection, const char* url, const char* method,
                                  const char* version, Exchange& exchange) {
    exchange.method = method;
    std::vector<HeaderField> headers;
    // "METHOD target VERSION\r\n", each "name: value\r\n", "\r\n"
    std::size_t header_bytes =
        std::strlen(method) + exchange.target_size + std::strlen(version) + 4 + 2;
    MHD_get_connection_values_n(
        connection, MHD_HEADER_KIND,
        [](void* cls, MHD_ValueKind, const char* name, std::size_t name_size, const char* value,
           std::size_t value_size) {
            static_cast<std::vector<HeaderField>*>(cls)->push_back(
                {{name, name_size}, {value ? value : "", value ? value_size : 0}});
            return MHD_YES;
        },
        &headers);
    for (const auto& field : headers) header_bytes += field.name.size() + field.value.size() + 4;
    const auto* received =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    std::size_t received_bytes = received ? received->header_size : header_bytes;
    if (exchange.target_size > kMaxTargetBytes)
        return refuse(connection, exchange, ApiError::UriTooLong,
                      "request target over " + std::to_string(kMaxTargetBytes) + " bytes");
    if (std::max(received_bytes, header_bytes) > kMaxHeaderBytes)
        return refuse(
            connection, exchange, ApiError::HeadersTooLarge,
            "request line and headers over " + std::to_string(kMaxHeaderBytes) + " bytes");
    if (auto violation = strict_header_violation(headers))
        return refuse(connection, exchange, ApiError::BadRequest, *violation);
    // libmicrohttpd reads a header value as a C string: a NUL byte hides the
    // rest of its line, which shows as bytes received but not accounted for.
    if (received_bytes > header_bytes)
        return refuse(connection, exchange, ApiError::BadRequest,
                      "header bytes beyond \"name: value\" lines (a NUL byte, folded lines or "
                      "padding)");

    // The headers are in: their deadline is met. A body gets its own (start_body);
    // replies are bounded by libmicrohttpd's stall timeout.
    deadlines.clear(connection);
    std::tie(exchange.route, exchange.org) = route_of(method, url);
    if (exchange.route == Route::Health) {
        exchange.reply = service.health();
        exchange.stage = Exchange::Stage::Ready;
        return MHD_YES;
    }
    if (exchange.route == Route::Unknown)
        return refuse(connection, exchange, ApiError::NotFound,
                      "no endpoint " + exchange.method + " " + exchange.path);

    exchange.address = address_key(connection);
    if (auto wait = bad_tokens.refusal(exchange.address, Clock::now()))
        return refuse(connection, exchange, ApiError::TooManyRequests,
                      "too many requests with bad tokens from this address; retry after " +
                          std::to_string(wait->count()) + " s",
                      *wait);

    // The token is checked from the headers before any body byte is read.
    exchange.stage = Exchange::Stage::Authorizing;
    auto authorization = header_value(connection, MHD_HTTP_HEADER_AUTHORIZATION);
    std::function<std::chrono::milliseconds()> job;
    if (exchange.route == Route::Upload) {
        job = [this, &exchange, authorization] {
            auto decision = service.authorize_upload(authorization);
            if (auto* grant = std::get_if<TokenGrant>(&decision)) {
                exchange.grant = std::move(*grant);
                return std::chrono::milliseconds{};
            }
            exchange.reply = std::get<Reply>(std::move(decision));
            return judge(*exchange.reply, exchange);
        };
    } else {
        job = [this, &exchange, connection, authorization, params = query_params(connection)] {
            auto decision = service.authorize_org_query(authorization, exchange.org, params);
            if (auto* refusal = std::get_if<Reply>(&decision)) {
                exchange.reply = std::move(*refusal);
                return judge(*exchange.reply, exchange);
            }
            auto query = std::get<ResponseQuery>(std::move(decision));
            if (exchange.route == Route::Score) {
                exchange.reply = service.score(query);
                return std::chrono::milliseconds{};
            }
            auto stream = std::make_shared<ExportStream>();
            stream->connection = connection;
            stream->query = std::move(query);
            // The first page decides the status: a failing database is a 503, not a cut stream.
            if (auto fetched = fetch_page(*stream, service.store()); !fetched)
                exchange.reply = error_reply(ApiError::Unavailable, fetched.error().message);
            else
                exchange.export_stream = std::move(stream);
            return std::chrono::milliseconds{};
        };
    }
    if (!run_suspended(connection, exchange, std::move(job)))
        return refuse(connection, exchange, ApiError::Unavailable, "the server is stopping",
                      std::chrono::seconds{5});
    return MHD_YES;
}

MHD_Result ApiServer::Impl::start_body(MHD_Connection* connection, Exchange& exchange) {
    auto encoding = parse_content_encoding(header_value(connection, "Content-Encoding"));
    if (!encoding)
        return refuse(connection, exchange, ApiError::UnsupportedEncoding,
                      "Content-Encoding must be gzip, deflate or identity");
    std::size_t announced = 0;
    auto length = header_value(connection, MHD_HTTP_HEADER_CONTENT_LENGTH);
    std::from_chars(length.data(), length.data() + length.size(), announced);
    if (announced > options.max_body) return reply(connection, exchange, too_large(), true);
    switch (take_body_slot(exchange)) {
        case BodySlot::Taken:
            break;
        case BodySlot::GrantBusy:
            return refuse(connection, exchange, ApiError::TooManyRequests,
                          "this token is already uploading a batch; send one batch at a time",
                          std::chrono::seconds{1});
        case BodySlot::Full:
            return refuse(connection, exchange, ApiError::Unavailable,
                          "the server holds as many uploads as it may; retry shortly",
                          std::chrono::seconds{1});
    }
    exchange.body = std::make_unique<RequestBody>(*encoding, options.max_body, announced);
    exchange.stage = Exchange::Stage::Receiving;
    // A body has until the header deadline plus its size at the slowest accepted rate.
    std::size_t allowance = announced ? announced : options.max_body;
    deadlines.set(connection, Clock::now() + options.io_timeout +
                                  std::chrono::seconds(allowance / kMinBodyBytesPerSecond));
    return MHD_YES;
}

MHD_Result ApiServer::Impl::receive(MHD_Connection* connection, const char* upload,
                                    std::size_t* upload_size, Exchange& exchange) {
    auto state =
        *upload_size > 0 ? exchange.body->append({upload, *upload_size}) : exchange.body->finish();
    bool at_end = *upload_size == 0;
    *upload_size = 0;
    if (state != RequestBody::State::Reading) {
        exchange.body.reset();
        give_back_body_slot(exchange);
        exchange.reply =
            state == RequestBody::State::TooLarge
                ? too_large()
                : error_reply(ApiError::MalformedJson,
                              "request body could not be read (truncated, or not valid "
                              "gzip/deflate)");
        // libmicrohttpd takes a reply only before the body or after all of it:
        // the rest passes unread (its length was checked, its time is bounded).
        exchange.stage = Exchange::Stage::Discarding;
        return at_end ? reply(connection, exchange, *exchange.reply, true) : MHD_YES;
    }
    if (!at_end) return MHD_YES;
    deadlines.clear(connection);
    exchange.stage = Exchange::Stage::Working;
    bool queued = run_suspended(connection, exchange, [this, &exchange] {
        exchange.reply = service.ingest(*exchange.grant, exchange.body->text());
        exchange.body.reset();
        give_back_body_slot(exchange);
        return std::chrono::milliseconds{};
    });
    if (!queued)
        return refuse(connection, exchange, ApiError::Unavailable, "the server is stopping",
                      std::chrono::seconds{5});
    return MHD_YES;
}

MHD_Result ApiServer::Impl::stream_export(MHD_Connection* connection, Exchange& exchange) {
    auto* holder = new ExportReader{this, exchange.export_stream};
    auto* response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, &read_export,
                                                       holder, &free_export);
    if (!response) {
        delete holder;
        return MHD_NO;
    }
    if (MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/x-ndjson") !=
        MHD_YES) {
        MHD_destroy_response(response);
        log.note("could not add the export's Content-Type; connection dropped");
        return MHD_NO;
    }
    exchange.status = 200;
    exchange.stage = Exchange::Stage::Replied;
    auto queued = MHD_queue_response(connection, MHD_HTTP_OK, response);
    MHD_destroy_response(response);
    return queued;
}

void ApiServer::Impl::completed(MHD_Connection* connection, Exchange* exchange) {
    if (!exchange) return;
    std::unique_ptr<Exchange> owned(exchange);  // freed even if logging throws
    give_back_body_slot(*exchange);
    give_back_export_slot(*exchange);
    std::chrono::duration<double, std::milli> elapsed = Clock::now() - exchange->start;
    std::size_t records =
        exchange->export_stream ? exchange->export_stream->records.load() : exchange->records;
    log.write({exchange->method, exchange->path, exchange->status, records, elapsed.count()});
    // Idle keep-alive: the next request's headers must be complete by then.
    deadlines.set(connection, Clock::now() + kKeepAliveIdle);
}

MHD_Result ApiServer::Impl::on_request(void* cls, MHD_Connection* connection, const char* url,
                                       const char* method, const char* version, const char* upload,
                                       std::size_t* upload_size, void** request_context) {
    auto* exchange = static_cast<Exchange*>(*request_context);
    if (!exchange) return MHD_NO;  // on_request_line failed (out of memory)
    auto& server = *static_cast<Impl*>(cls);
    // An exception must not cross into libmicrohttpd (std::terminate): the
    // connection is closed instead.
    try {
        if (exchange->stage == Exchange::Stage::Headers)
            return server.begin(connection, url, method, version, *exchange);
        return server.handle(connection, upload, upload_size, *exchange);
    } catch (...) {
        server.report_failure("a request");
        return MHD_NO;
    }
}

void* ApiServer::Impl::on_request_line(void* cls, const char* uri, MHD_Connection*) {
    try {
        auto exchange = std::make_unique<Exchange>();
        std::string_view path(uri);
        exchange->path = path.substr(0, std::min(path.find('?'), std::size_t{512}));
        exchange->target_size = path.size();
        return exchange.release();
    } catch (...) {
        static_cast<Impl*>(cls)->report_failure("reading a request line");
        return nullptr;  // on_request then drops the connection
    }
}

void ApiServer::Impl::on_completed(void* cls, MHD_Connection* connection, void** request_context,
                                   MHD_RequestTerminationCode) {
    auto* exchange = static_cast<Exchange*>(*request_context);
    *request_context = nullptr;
    try {
        static_cast<Impl*>(cls)->completed(connection, exchange);
    } catch (...) {
        static_cast<Impl*>(cls)->report_failure("finishing a request");
    }
}

void ApiServer::Impl::on_connection(void* cls, MHD_Connection* connection, void**,
                                    MHD_ConnectionNotificationCode code) {
    auto& server = *static_cast<Impl*>(cls);
    try {
        if (code != MHD_CONNECTION_NOTIFY_STARTED) return server.deadlines.closed(connection);
        const auto* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        // Without its descriptor the connection keeps only libmicrohttpd's stall timeout.
        if (!info) return server.log.note("a connection without a descriptor: no deadline kept");
        server.deadlines.opened(connection, info->connect_fd,
                                Clock::now() + server.options.io_timeout);
    } catch (...) {
        server.report_failure("tracking a connection");
    }
}

ssize_t ApiServer::Impl::read_export(void* cls, std::uint64_t, char* buffer, std::size_t max) try {
    auto& reader = *static_cast<ExportReader*>(cls);
    auto& stream = *reader.stream;
    {
        std::lock_guard lock(stream.mutex);
        if (stream.offset < stream.page.size()) {
            // libmicrohttpd drops a reader silent for --timeout, but one that
            // reads a byte now and then would hold its export for ever: each
            // page must be taken within --timeout plus its size at the
            // slowest accepted rate.
            if (stream.offset == 0)
                reader.server->deadlines.set(
                    stream.connection,
                    Clock::now() + reader.server->options.io_timeout +
                        std::chrono::seconds(stream.page.size() / kMinBodyBytesPerSecond));
            std::size_t size = std::min(max, stream.page.size() - stream.offset);
            std::memcpy(buffer, stream.page.data() + stream.offset, size);
            stream.offset += size;
            return static_cast<ssize_t>(size);
        }
        // A failed page ends the transfer without its last chunk: a cut export never looks whole.
        if (stream.failed) return MHD_CONTENT_READER_END_WITH_ERROR;
        if (stream.finished) return MHD_CONTENT_READER_END_OF_STREAM;
    }
    reader.server->deadlines.clear(stream.connection);  // the database's time is not the reader's
    bool started = reader.server->run_suspended(
        stream.connection,
        [server = reader.server, shared = reader.stream] {
            (void)fetch_page(*shared, server->service.store());
            return std::chrono::milliseconds{};
        },
        [shared = reader.stream] {
            std::lock_guard lock(shared->mutex);
            shared->failed = true;
        });
    return started ? 0 : MHD_CONTENT_READER_END_WITH_ERROR;
} catch (...) {
    static_cast<ExportReader*>(cls)->server->report_failure("an export page");
    return MHD_CONTENT_READER_END_WITH_ERROR;  // a cut export never looks whole
}

void ApiServer::Impl::free_export(void* cls) {
    delete static_cast<ExportReader*>(cls);
}

Result<int> ApiServer::Impl::bind_socket() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    auto where = options.host + ":" + std::to_string(options.port);
    if (getaddrinfo(options.host.empty() ? nullptr : options.host.c_str(),
                    std::to_string(options.port).c_str(), &hints, &found) != 0 ||
        !found)
        return Error{"cannot listen on " + where + " (unknown host)"};
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, &freeaddrinfo);
    listen_fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
    int on = 1;
    if (listen_fd < 0 || ::setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        ::bind(listen_fd, found->ai_addr, found->ai_addrlen) != 0 ||
        ::listen(listen_fd, SOMAXCONN) != 0)
        return Error{"cannot listen on " + where + " (address in use or not local?)"};
    sockaddr_storage bound{};
    socklen_t size = sizeof bound;
    ::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&bound), &size);
    return bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                       : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

void ApiServer::Impl::shut_down() {
    {
        // libmicrohttpd must not be stopped with suspended connections: let
        // every job and held-back reply finish first.
        std::unique_lock lock(state_mutex);
        if (abandoned) return;  // a second call (the destructor) waits no more
        draining = true;
        if (!state_changed.wait_for(lock, kDrainTimeout, [this] { return suspended == 0; })) {
            // libmicrohttpd aborts when stopped with suspended connections and
            // the pool cannot join a hung job: both are left to the process's end.
            log.note(std::to_string(suspended) + " connection(s) still suspended after " +
                     std::to_string(kDrainTimeout.count()) +
                     " s of shutting down; stopping without them");
            abandoned = true;
            daemon = nullptr;
            (void)pool.release();
            return;
        }
    }
    if (daemon)
        MHD_stop_daemon(daemon);  // closes the listening socket too
    else if (listen_fd >= 0)
        ::close(listen_fd);
    daemon = nullptr;
    listen_fd = -1;
    pool.reset();
    ticker.reset();
}

ApiServer::ApiServer(ApiService& service, ServerOptions options, RequestLog& log)
    : impl_(std::make_unique<Impl>(service, std::move(options), log)) {}

ApiServer::~ApiServer() = default;

Result<int> ApiServer::bind() {
    auto& impl = *impl_;
    const auto& options = impl.options;
    if (options.tls_cert.empty() != options.tls_key.empty())
        return Error{"--tls-cert and --tls-key go together"};
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC;
    if (!options.tls_cert.empty()) {
        auto cert = read_pem(options.tls_cert);
        if (!cert) return cert.error();
        auto key = read_pem(options.tls_key);
        if (!key) return key.error();
        impl.tls_cert = std::move(cert.value());
        impl.tls_key = std::move(key.value());
        flags |= MHD_USE_TLS;
    }
    auto port = impl.bind_socket();
    if (!port) return port;
    if (options.host.find(':') != std::string::npos) flags |= MHD_USE_IPv6;
    // Each connection needs a descriptor: allow as many as the hard limit lets us.
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &files);
    }
    // Upload bodies (up to --max-body each) are allocated and freed in bulk:
    // a fixed mmap threshold keeps glibc from raising it to their size and
    // keeping them in the heap, so memory goes back to the system after load.
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    SignalsBlocked signals_blocked;
    impl.pool = std::make_unique<WorkerPool>(options.threads, [&impl](std::string_view what) {
        impl.log.note("a worker job failed: " + std::string(what));
    });
    impl.ticker =
        std::make_unique<Ticker>([&impl](Clock::time_point now) { impl.deadlines.reap(now); });
    std::vector<MHD_OptionItem> items = {
        {MHD_OPTION_LISTEN_SOCKET, impl.listen_fd, nullptr},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<intptr_t>(kConnectionMemory), nullptr},
        {MHD_OPTION_CONNECTION_LIMIT, options.max_connections, nullptr},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, options.max_connections_per_address, nullptr},
        {MHD_OPTION_CONNECTION_TIMEOUT, static_cast<intptr_t>(options.io_timeout.count()), nullptr},
        {MHD_OPTION_STRICT_FOR_CLIENT, 1, nullptr},
        {MHD_OPTION_URI_LOG_CALLBACK, reinterpret_cast<intptr_t>(&Impl::on_request_line), &impl},
        {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&Impl::on_completed), &impl},
        {MHD_OPTION_NOTIFY_CONNECTION, reinterpret_cast<intptr_t>(&Impl::on_connection), &impl},
    };
    if (flags & MHD_USE_TLS) {
        items.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, const_cast<char*>(impl.tls_cert.c_str())});
        items.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char*>(impl.tls_key.c_str())});
    }
    items.push_back({MHD_OPTION_END, 0, nullptr});
    impl.daemon = MHD_start_daemon(flags, 0, nullptr, nullptr, &Impl::on_request, &impl,
                                   MHD_OPTION_ARRAY, items.data(), MHD_OPTION_END);
    if (!impl.daemon) {
        if (flags & MHD_USE_TLS)
            return Error{"cannot load TLS certificate " + options.tls_cert + " / key " +
                         options.tls_key};
        return Error{"cannot start the HTTP server on " + options.host};
    }
    return port;
}

bool ApiServer::run() {
    auto& impl = *impl_;
    if (!impl.daemon) return false;
    {
        std::unique_lock lock(impl.state_mutex);
        impl.state_changed.wait(lock, [&] { return impl.stop_requested; });
    }
    impl.shut_down();
    return true;
}

void ApiServer::stop() {
    std::lock_guard lock(impl_->state_mutex);
    impl_->stop_requested = true;
    impl_->state_changed.notify_all();
}

}  // namespace cx
