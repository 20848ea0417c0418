// ApiServer's daemon lifecycle: binding the socket and starting
// libmicrohttpd, running until stop(), shutting down (draining suspended
// connections with a bounded wait), and suspending/resuming connections
// around worker jobs. The request flow is in request_flow.cpp.
#include "cx/server/api_server.hpp"

#include <microhttpd.h>

#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "mhd_util.hpp"
#include "server_impl.hpp"

namespace cx {

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
