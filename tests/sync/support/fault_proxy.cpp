#include "fault_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>

namespace cx::test {

std::string_view to_string(Fault fault) {
    switch (fault) {
        case Fault::None:
            return "none";
        case Fault::Drop:
            return "drop";
        case Fault::Delay:
            return "delay";
        case Fault::Reset:
            return "reset";
        case Fault::Truncate:
            return "truncate";
        case Fault::CorruptBody:
            return "corrupt body";
        case Fault::LoseReply:
            return "lose reply after commit";
    }
    return "?";
}

namespace {

bool send_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const auto sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
}

// The value of a header (name in lower case) in a head, or nullopt.
std::optional<std::string> header_value(std::string_view head, std::string_view name) {
    std::string lower(head);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto at = lower.find("\r\n" + std::string(name) + ":");
    if (at == std::string::npos) return std::nullopt;
    auto start = at + 3 + name.size();
    const auto end = lower.find("\r\n", start);
    while (start < end && lower[start] == ' ') ++start;
    return lower.substr(start, end - start);
}

struct Message {
    std::string head;  // through the blank line
    std::string body;
};

// One whole HTTP message from `fd` (its body by Content-Length; without one, a
// request has none and a reply runs to the end of the connection). `buffer`
// keeps bytes read past it. nullopt: the peer closed or failed first.
std::optional<Message> read_message(int fd, std::string& buffer, bool is_reply) {
    char chunk[16384];
    auto fill = [&] {
        const auto got = ::recv(fd, chunk, sizeof chunk, 0);
        if (got <= 0) return false;
        buffer.append(chunk, static_cast<std::size_t>(got));
        return true;
    };
    std::size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos)
        if (!fill()) return std::nullopt;
    Message message{buffer.substr(0, head_end + 4), {}};
    buffer.erase(0, head_end + 4);
    if (auto length = header_value(message.head, "content-length")) {
        const auto wanted = std::stoul(*length);
        while (buffer.size() < wanted)
            if (!fill()) return std::nullopt;
        message.body = buffer.substr(0, wanted);
        buffer.erase(0, wanted);
    } else if (is_reply) {
        while (fill()) {
        }
        message.body = std::move(buffer);
        buffer.clear();
    }
    return message;
}

void close_with_reset(int fd) {
    linger abort{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
}

int connect_upstream(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval timeout{30, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

FaultProxy::FaultProxy(int upstream_port, double fault_rate, std::uint32_t seed)
    : upstream_port_(upstream_port), fault_rate_(fault_rate), random_(seed) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int reuse = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 64) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
        ::close(listener_);
        throw std::runtime_error("fault proxy: cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

FaultProxy::~FaultProxy() {
    stopping_ = true;
    acceptor_.join();
    {
        std::lock_guard lock(mutex_);
        for (int fd : clients_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& connection : connections_) connection.join();
    ::close(listener_);
}

std::array<std::size_t, kFaultKinds> FaultProxy::counts() const {
    std::lock_guard lock(mutex_);
    return counts_;
}

void FaultProxy::accept_loop() {
    while (!stopping_) {
        pollfd ready{listener_, POLLIN, 0};
        if (::poll(&ready, 1, 100) <= 0) continue;
        const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        std::lock_guard lock(mutex_);
        clients_.push_back(client);
        connections_.emplace_back([this, client] { serve(client); });
    }
}

void FaultProxy::fail_next(Fault fault, std::size_t count) {
    std::lock_guard lock(mutex_);
    scripted_.insert(scripted_.begin(), count, fault);
}

Fault FaultProxy::choose() {
    std::lock_guard lock(mutex_);
    Fault fault = Fault::None;
    if (!scripted_.empty()) {
        fault = scripted_.back();
        scripted_.pop_back();
    } else if (!healed_ && std::uniform_real_distribution<double>(0, 1)(random_) < fault_rate_)
        fault = static_cast<Fault>(
            std::uniform_int_distribution<std::size_t>(1, kFaultKinds - 1)(random_));
    ++counts_[static_cast<std::size_t>(fault)];
    return fault;
}

void FaultProxy::serve(int client) {
    std::string buffer;
    bool open = true;
    while (open && !stopping_) {
        auto request = read_message(client, buffer, false);
        if (!request) break;
        const Fault fault = choose();
        if (fault == Fault::Drop) break;
        if (fault == Fault::Reset) {
            close_with_reset(client);
            break;
        }
        if (fault == Fault::Delay) {
            std::uniform_int_distribution<int> delay_ms(100, 1500);
            int delay;
            {
                std::lock_guard lock(mutex_);
                delay = delay_ms(random_);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        }
        if (fault == Fault::CorruptBody && !request->body.empty()) {
            // Bytes flipped in the middle of the body: gzip's CRC (or JSON) must catch it.
            auto& body = request->body;
            for (std::size_t i = body.size() / 3; i < body.size() && i < body.size() / 3 + 4; ++i)
                body[i] = static_cast<char>(body[i] ^ 0x5a);
        }
        const int upstream = connect_upstream(upstream_port_);
        if (upstream < 0) break;
        {
            std::lock_guard lock(mutex_);
            clients_.push_back(upstream);
        }
        std::optional<Message> reply;
        if (fault == Fault::Truncate) {
            // Half the body, then the connection ends: the server must not execute it.
            send_all(upstream, request->head + request->body.substr(0, request->body.size() / 2));
            close_with_reset(client);
            open = false;
        } else if (send_all(upstream, request->head + request->body)) {
            std::string upstream_buffer;
            reply = read_message(upstream, upstream_buffer, true);
        }
        {
            std::lock_guard lock(mutex_);
            clients_.erase(std::find(clients_.begin(), clients_.end(), upstream));
        }
        ::close(upstream);
        if (!open) break;
        if (fault == Fault::LoseReply || !reply) {
            close_with_reset(client);
            break;
        }
        open = send_all(client, reply->head + reply->body) &&
               header_value(reply->head, "connection") != "close";
    }
    std::lock_guard lock(mutex_);
    clients_.erase(std::find(clients_.begin(), clients_.end(), client));
    ::close(client);
}

}  // namespace cx::test
