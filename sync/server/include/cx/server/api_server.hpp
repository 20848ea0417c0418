#pragma once
// cxserver's HTTP(S) front: cpp-httplib with a bounded thread pool and
// read/write timeouts (a slow or broken client holds one worker for at most
// the timeout), request bodies inflated and size-limited, one log line per request.
#include <chrono>
#include <memory>
#include <string>

#include "cx/server/api_service.hpp"
#include "cx/server/request_log.hpp"

namespace cx {

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 8443;       // 0 = any free port (see ApiServer::bind)
    std::string tls_cert;  // PEM; both set = HTTPS
    std::string tls_key;
    std::size_t max_body = kDefaultMaxBody;  // before and after gunzip
    int threads = 32;                        // connections served at once
    std::chrono::seconds io_timeout{10};     // per read/write on a connection
};

// "HOST:PORT" → host and port; an error names what is wrong.
Result<std::pair<std::string, int>> parse_listen_address(std::string_view text);

class ApiServer {
  public:
    ApiServer(ApiService& service, ServerOptions options, RequestLog& log);
    ~ApiServer();
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    // Binds the listening socket; returns the port (the chosen one when port is 0).
    Result<int> bind();
    // Serves until stop(); false when the listener failed.
    bool run();
    void stop();  // callable from any thread

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cx
