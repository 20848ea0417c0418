#pragma once
// SIGTERM/SIGINT/SIGHUP end cxkiosk and cxserver cleanly: a thread of this
// object waits for them and calls a function there, so the reaction (stop the
// frame loop, stop the server) never runs inside a signal handler and may take
// locks.
#include <signal.h>

#include <functional>
#include <initializer_list>
#include <memory>
#include <thread>

#include "cx/scoring/result.hpp"

namespace cx {

class SignalWatch {
  public:
    using Handler = std::function<void(int signal)>;

    // Blocks `signals` in the calling thread and in every thread it starts
    // afterwards, so start it before any other thread starts (a thread started
    // earlier could still take a signal and die of it). `on_signal` runs on the
    // watch's thread, once per signal received. Fails only when the process is
    // out of file descriptors.
    static Result<std::unique_ptr<SignalWatch>> start(Handler on_signal,
                                                      std::initializer_list<int> signals = {
                                                          SIGTERM, SIGINT, SIGHUP});
    // Stops watching. The signals stay blocked: one that arrives while the
    // program closes its store must not kill it half-way.
    ~SignalWatch();
    SignalWatch(const SignalWatch&) = delete;
    SignalWatch& operator=(const SignalWatch&) = delete;

  private:
    SignalWatch(Handler on_signal, int signal_fd, int stop_fd);
    void watch();

    Handler on_signal_;
    int signal_fd_ = -1;
    int stop_fd_ = -1;  // eventfd: the destructor's wake-up call
    std::thread thread_;
};

}  // namespace cx
