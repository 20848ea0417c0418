#pragma once
// A TCP proxy on 127.0.0.1 that reads whole HTTP requests from its clients and
// forwards each one to cxserver — or, on a chosen share of them, does what a
// bad network does: drops the connection, delays, resets, cuts the request
// short, flips bytes in the (gzip) body, or forwards the request and then
// loses the reply after the server has committed it. The lossy-network test
// (tests/reliability) drives the kiosk's real uploader through it; other tests
// script the faults of the next requests.
#include <array>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace cx::test {

enum class Fault { None, Drop, Delay, Reset, Truncate, CorruptBody, LoseReply };
inline constexpr std::size_t kFaultKinds = 7;
std::string_view to_string(Fault fault);

class FaultProxy {
  public:
    // Faults on `fault_rate` of the requests, spread evenly over the kinds;
    // `seed` makes the choice repeatable.
    FaultProxy(int upstream_port, double fault_rate, std::uint32_t seed);
    ~FaultProxy();  // closes every connection and joins its threads
    FaultProxy(const FaultProxy&) = delete;
    FaultProxy& operator=(const FaultProxy&) = delete;

    int port() const { return port_; }
    // The next `count` requests get `fault`, before any chosen at random.
    void fail_next(Fault fault, std::size_t count);
    // From now on every request goes through untouched (but those of fail_next).
    void heal() { healed_ = true; }
    // Requests seen per fault (None: forwarded untouched).
    std::array<std::size_t, kFaultKinds> counts() const;

  private:
    void accept_loop();
    void serve(int client);
    Fault choose();

    int upstream_port_;
    double fault_rate_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_ = false, healed_ = false;
    mutable std::mutex mutex_;  // guards the fields below
    std::mt19937 random_;
    std::vector<Fault> scripted_;  // next faults, last first
    std::array<std::size_t, kFaultKinds> counts_{};
    std::vector<int> clients_;
    std::vector<std::thread> connections_;
    std::thread acceptor_;
};

}  // namespace cx::test
