// The one signal watcher of cxkiosk and cxserver: a signal sent to the process
// reaches the handler on the watch's thread, every time, and a second watch in
// the same process works as the first did (the kiosk's frame loop can run twice).
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "cx/config/signal_watch.hpp"

namespace {

// Signals the handler saw, and a wait for the n-th with a deadline.
class Received {
  public:
    void add(int signal) {
        std::lock_guard lock(mutex_);
        signals_.push_back(signal);
        threads_.push_back(std::this_thread::get_id());
        changed_.notify_all();
    }
    bool wait_for_count(std::size_t count) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, std::chrono::seconds(5),
                                 [&] { return signals_.size() >= count; });
    }
    std::vector<int> signals() {
        std::lock_guard lock(mutex_);
        return signals_;
    }
    std::vector<std::thread::id> threads() {
        std::lock_guard lock(mutex_);
        return threads_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<int> signals_;
    std::vector<std::thread::id> threads_;
};

}  // namespace

TEST_CASE("SignalWatch: each signal sent to the process reaches the handler off the main thread") {
    for (int round = 0; round < 2; ++round) {
        Received received;
        auto watch = cx::SignalWatch::start([&](int signal) { received.add(signal); });
        REQUIRE(watch);
        REQUIRE(::kill(::getpid(), SIGTERM) == 0);
        REQUIRE(received.wait_for_count(1));
        REQUIRE(::kill(::getpid(), SIGINT) == 0);
        REQUIRE(received.wait_for_count(2));
        REQUIRE(::kill(::getpid(), SIGHUP) == 0);
        REQUIRE(received.wait_for_count(3));
        CHECK(received.signals() == std::vector<int>{SIGTERM, SIGINT, SIGHUP});
        for (auto id : received.threads()) CHECK(id != std::this_thread::get_id());
    }
}

TEST_CASE("SignalWatch: ends promptly when nothing was received") {
    const auto started = std::chrono::steady_clock::now();
    {
        auto watch = cx::SignalWatch::start([](int) {}, {SIGUSR1});
        REQUIRE(watch);
    }
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(1));
}
