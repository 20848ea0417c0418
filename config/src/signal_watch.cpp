#include "cx/config/signal_watch.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace cx {

Result<std::unique_ptr<SignalWatch>> SignalWatch::start(Handler on_signal,
                                                        std::initializer_list<int> signals) {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : signals) sigaddset(&set, sig);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    const int signal_fd = ::signalfd(-1, &set, SFD_CLOEXEC);
    const int stop_fd = ::eventfd(0, EFD_CLOEXEC);
    if (signal_fd < 0 || stop_fd < 0) {
        const std::string reason = std::strerror(errno);
        if (signal_fd >= 0) ::close(signal_fd);
        if (stop_fd >= 0) ::close(stop_fd);
        return make_error(ErrorKind::Internal, "cannot watch signals: " + reason);
    }
    return std::unique_ptr<SignalWatch>(new SignalWatch(std::move(on_signal), signal_fd, stop_fd));
}

SignalWatch::SignalWatch(Handler on_signal, int signal_fd, int stop_fd)
    : on_signal_(std::move(on_signal)), signal_fd_(signal_fd), stop_fd_(stop_fd) {
    thread_ = std::thread([this] { watch(); });
}

SignalWatch::~SignalWatch() {
    const std::uint64_t one = 1;
    while (::write(stop_fd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
    thread_.join();
    ::close(signal_fd_);
    ::close(stop_fd_);
}

void SignalWatch::watch() {
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    for (;;) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents != 0) return;
        signalfd_siginfo info{};
        if (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info))
            on_signal_(static_cast<int>(info.ssi_signo));
    }
}

}  // namespace cx
