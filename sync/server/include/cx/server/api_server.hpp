#pragma once
// cxserver's HTTP(S) front on GNU libmicrohttpd: one event thread (epoll) holds
// every connection, each in a fixed memory pool; slow work (token look-ups,
// ingest, score, export pages) runs on a bounded worker pool while its
// connection is suspended, so a slow or idle client costs no worker. Requests
// are refused from their headers alone when they break strict HTTP/1.1, come
// from an address with too many bad tokens, or lack a valid token; absolute
// deadlines drop clients that trickle. One log line per request.
#include <chrono>
#include <memory>
#include <string>

#include "cx/server/api_service.hpp"
#include "cx/server/request_log.hpp"
#include "cx/server/web_sessions.hpp"

namespace cx {

// Fixed transport limits (sync/PROTOCOL.md "HTTP transport").
inline constexpr std::size_t kMaxTargetBytes = 8 * 1024;          // path and query
inline constexpr std::size_t kMaxHeaderBytes = 16 * 1024;         // request line + headers
inline constexpr std::chrono::seconds kKeepAliveIdle{5};          // next request's headers within
inline constexpr std::size_t kMinBodyBytesPerSecond = 16 * 1024;  // slowest body accepted

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 8443;       // 0 = any free port (see ApiServer::bind)
    std::string tls_cert;  // PEM; both set = HTTPS
    std::string tls_key;
    std::size_t max_body = kDefaultMaxBody;  // before and after gunzip
    // Worker threads for database work; twice this many upload bodies may be
    // held in memory at once (more get 503 with Retry-After).
    int threads = 8;
    // Headers complete within this of connecting; a body within this plus its
    // size at kMinBodyBytesPerSecond; a connection silent this long is dropped.
    std::chrono::seconds io_timeout{10};
    int max_connections = 2000;
    int max_connections_per_address = 64;
    // The console's sessions (serve --session-idle, --session-max); its cookies are
    // Secure when tls_cert is set.
    SessionPolicy sessions;
};

// "HOST:PORT" → host and port; an error names what is wrong.
Result<std::pair<std::string, int>> parse_listen_address(std::string_view text);

class ApiServer {
  public:
    ApiServer(ApiService& service, ServerOptions options, RequestLog& log);
    ~ApiServer();
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    // Binds the listening socket and starts serving on threads of its own
    // (they never take signals); returns the port (the chosen one when port is 0).
    Result<int> bind();
    // Waits until stop(), then finishes the requests in progress; false when
    // the server never started.
    bool run();
    void stop();  // callable from any thread

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cx
