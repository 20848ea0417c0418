// libmicrohttpd and socket utilities (see mhd_util.hpp), and --listen parsing.
#include "mhd_util.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cx/server/api_server.hpp"

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

std::string header_value(MHD_Connection* connection, const char* name) {
    const char* value = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name);
    return value ? value : "";
}

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

Result<std::string> read_pem(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    if (!file || text.str().empty()) return Error{"cannot read TLS file " + path};
    return text.str();
}

SignalsBlocked::SignalsBlocked() {
    sigset_t all;
    sigfillset(&all);
    for (int synchronous : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP})
        sigdelset(&all, synchronous);
    pthread_sigmask(SIG_BLOCK, &all, &previous_);
}

SignalsBlocked::~SignalsBlocked() {
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

}  // namespace cx
