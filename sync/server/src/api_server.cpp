#include "cx/server/api_server.hpp"

#include <httplib.h>

#include <sys/socket.h>

#include <charconv>
#include <functional>

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

// One request is served start to end on one pool thread, so the time it began
// and its record count can live beside it for the logger.
struct RequestTrace {
    std::chrono::steady_clock::time_point start{};
    std::size_t records = 0;
};
thread_local RequestTrace current_request;

void send(httplib::Response& res, const Reply& reply) {
    res.status = reply.status;
    res.set_content(reply.body, "application/json");
    current_request.records = reply.records;
}

QueryParams query_params(const httplib::Request& req) {
    QueryParams params;
    for (auto [name, slot] : {std::pair{"from", &params.from}, std::pair{"to", &params.to},
                              std::pair{"site", &params.site}})
        if (req.has_param(name)) *slot = req.get_param_value(name);
    return params;
}

constexpr std::size_t kExportPageRecords = 2000;

// cpp-httplib 0.11 listens with a backlog of 5: a burst of kiosks connecting at
// once overflows it and the rest wait for a SYN retry (1 s+). Calling listen()
// again on the bound socket raises the backlog (Linux).
template <class Base>
class WideBacklog final : public Base {
  public:
    using Base::Base;
    void widen_backlog() { ::listen(this->svr_sock_, SOMAXCONN); }
};

}  // namespace

struct ApiServer::Impl {
    ApiService& service;
    ServerOptions options;
    RequestLog& log;
    std::unique_ptr<httplib::Server> http;

    void install_routes();
    void receive_batch(const httplib::Request& req, httplib::Response& res,
                       const httplib::ContentReader& read);
    void export_responses(const httplib::Request& req, httplib::Response& res);
    // The {org} filter of this request, or nullopt after sending the refusal.
    std::optional<ResponseQuery> authorize_org_query(const httplib::Request& req,
                                                     httplib::Response& res);
};

std::optional<ResponseQuery> ApiServer::Impl::authorize_org_query(const httplib::Request& req,
                                                                  httplib::Response& res) {
    auto decision = service.authorize_org_query(req.get_header_value("Authorization"),
                                                req.matches[1].str(), query_params(req));
    if (auto* refusal = std::get_if<Reply>(&decision)) {
        send(res, *refusal);
        return std::nullopt;
    }
    return std::get<ResponseQuery>(std::move(decision));
}

void ApiServer::Impl::receive_batch(const httplib::Request& req, httplib::Response& res,
                                    const httplib::ContentReader& read) {
    // cpp-httplib inflates gzip before this receiver sees the bytes, and caps
    // only the wire size: count the inflated size here (zip bombs).
    std::string body;
    bool too_large = false;
    bool complete = read([&](const char* data, std::size_t size) {
        if (body.size() + size > options.max_body) {
            too_large = true;
            return false;
        }
        body.append(data, size);
        return true;
    });
    if (too_large || res.status == 413) {
        send(res, error_reply(ApiError::PayloadTooLarge,
                              "request body over the limit of " + std::to_string(options.max_body) +
                                  " bytes (after gunzip); send smaller batches"));
        res.set_header("Connection", "close");
        return;
    }
    if (!complete) {
        send(res, error_reply(ApiError::MalformedJson,
                              "request body could not be read (truncated, or not valid gzip)"));
        res.set_header("Connection", "close");
        return;
    }
    auto caller = service.authorize_upload(req.get_header_value("Authorization"));
    if (auto* refusal = std::get_if<Reply>(&caller)) return send(res, *refusal);
    send(res, service.ingest(std::get<TokenGrant>(caller), body));
}

void ApiServer::Impl::export_responses(const httplib::Request& req, httplib::Response& res) {
    auto query = authorize_org_query(req, res);
    if (!query) return;
    struct Cursor {
        ResponseQuery query;
        std::optional<ExportCursor> after;
    };
    auto cursor = std::make_shared<Cursor>(Cursor{std::move(*query), std::nullopt});
    // Streams page by page so an export of any size needs one page of memory.
    res.set_chunked_content_provider(
        "application/x-ndjson", [this, cursor](std::size_t, httplib::DataSink& sink) {
            auto page =
                service.store().export_page(cursor->query, cursor->after, kExportPageRecords);
            if (!page) return false;  // aborts the transfer: a truncated export must not look whole
            std::string chunk;
            for (const auto& line : page.value().lines) chunk.append(line).push_back('\n');
            current_request.records += page.value().lines.size();
            if (!chunk.empty() && !sink.write(chunk.data(), chunk.size())) return false;
            cursor->after = page.value().next;
            if (!cursor->after) sink.done();
            return true;
        });
}

void ApiServer::Impl::install_routes() {
    auto& server = *http;
    server.new_task_queue = [threads = options.threads] {
        return new httplib::ThreadPool(static_cast<std::size_t>(threads));
    };
    // Replies go out as header and body writes; without TCP_NODELAY the body
    // waits for the client's delayed ACK (~40 ms a request).
    server.set_tcp_nodelay(true);
    server.set_read_timeout(options.io_timeout);
    server.set_write_timeout(options.io_timeout);
    server.set_keep_alive_timeout(5);
    server.set_keep_alive_max_count(1000);
    server.set_payload_max_length(options.max_body);
    server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
        current_request = {std::chrono::steady_clock::now(), 0};
        return httplib::Server::HandlerResponse::Unhandled;
    });
    server.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
        std::chrono::duration<double, std::milli> elapsed =
            std::chrono::steady_clock::now() - current_request.start;
        bool timed = current_request.start != std::chrono::steady_clock::time_point{};
        log.write({req.method, req.path, res.status, current_request.records,
                   timed ? elapsed.count() : 0.0});
        current_request = {};
    });
    // Statuses cpp-httplib sets by itself (404, 413 on a GET, 400 on a bad
    // request line) get the protocol's JSON error body too.
    server.set_error_handler(httplib::Server::HandlerWithResponse(
        [](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
            ApiError error = res.status == 404   ? ApiError::NotFound
                             : res.status == 413 ? ApiError::PayloadTooLarge
                             : res.status >= 500 ? ApiError::Internal
                                                 : ApiError::MalformedJson;
            std::string detail = res.status == 404
                                     ? "no endpoint " + req.method + " " + req.path
                                     : "request refused (HTTP " + std::to_string(res.status) + ")";
            int status = res.status;
            res.set_content(encode_error(error, detail), "application/json");
            res.status = status;
            return httplib::Server::HandlerResponse::Handled;
        }));
    server.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
            std::string what = "unexpected server error";
            try {
                if (error) std::rethrow_exception(error);
            } catch (const std::exception& e) {
                what += std::string(": ") + e.what();
            } catch (...) {
            }
            send(res, error_reply(ApiError::Internal, what));
        });

    server.Get(std::string(kHealthPath), [this](const httplib::Request&, httplib::Response& res) {
        send(res, service.health());
    });
    server.Post(std::string(kResponsesPath),
                [this](const httplib::Request& req, httplib::Response& res,
                       const httplib::ContentReader& read) { receive_batch(req, res, read); });
    server.Get(R"(/api/v1/orgs/([A-Za-z0-9._-]{1,64})/score)",
               [this](const httplib::Request& req, httplib::Response& res) {
                   auto query = authorize_org_query(req, res);
                   if (!query) return;
                   send(res, service.score(*query));
               });
    server.Get(R"(/api/v1/orgs/([A-Za-z0-9._-]{1,64})/responses\.jsonl)",
               [this](const httplib::Request& req, httplib::Response& res) {
                   export_responses(req, res);
               });
}

ApiServer::ApiServer(ApiService& service, ServerOptions options, RequestLog& log)
    : impl_(std::make_unique<Impl>(Impl{service, std::move(options), log, nullptr})) {}

ApiServer::~ApiServer() = default;

Result<int> ApiServer::bind() {
    auto& options = impl_->options;
    if (options.tls_cert.empty() != options.tls_key.empty())
        return Error{"--tls-cert and --tls-key go together"};
    std::function<void()> widen_backlog;
    if (options.tls_cert.empty()) {
        auto plain = std::make_unique<WideBacklog<httplib::Server>>();
        widen_backlog = [server = plain.get()] { server->widen_backlog(); };
        impl_->http = std::move(plain);
    } else {
        auto tls = std::make_unique<WideBacklog<httplib::SSLServer>>(options.tls_cert.c_str(),
                                                                     options.tls_key.c_str());
        widen_backlog = [server = tls.get()] { server->widen_backlog(); };
        if (!tls->is_valid())
            return Error{"cannot load TLS certificate " + options.tls_cert + " / key " +
                         options.tls_key};
        impl_->http = std::move(tls);
    }
    impl_->install_routes();
    int port = options.port;
    if (port == 0) {
        port = impl_->http->bind_to_any_port(options.host);
        if (port < 0) return Error{"cannot listen on " + options.host + ":0"};
    } else if (!impl_->http->bind_to_port(options.host, port)) {
        return Error{"cannot listen on " + options.host + ":" + std::to_string(port) +
                     " (address in use or not local?)"};
    }
    widen_backlog();
    return port;
}

bool ApiServer::run() {
    return impl_->http && impl_->http->listen_after_bind();
}

void ApiServer::stop() {
    if (impl_->http) impl_->http->stop();
}

}  // namespace cx
