#pragma once
// Connection deadlines and the ticker that keeps them: libmicrohttpd's own
// timeout restarts with every byte, so cxserver keeps absolute deadlines per
// connection (headers, body at a minimum rate, idle keep-alive, export pages)
// and a ticker thread shuts down sockets past theirs and resumes held-back
// replies on time.
#include <microhttpd.h>

#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace cx {

using Clock = std::chrono::steady_clock;

// Absolute deadlines libmicrohttpd does not keep (its timeout restarts with
// every byte): a connection past its deadline has its socket shut down, which
// the event loop sees as the client leaving. Entries are added and removed by
// libmicrohttpd's connection notifications, before it closes the socket, so a
// reused descriptor is never touched.
class Deadlines {
  public:
    void opened(MHD_Connection* connection, int fd, Clock::time_point deadline) {
        std::lock_guard lock(mutex_);
        entries_[connection] = {fd, deadline};
    }
    void set(MHD_Connection* connection, Clock::time_point deadline) {
        std::lock_guard lock(mutex_);
        if (auto found = entries_.find(connection); found != entries_.end())
            found->second.deadline = deadline;
    }
    void clear(MHD_Connection* connection) { set(connection, Clock::time_point::max()); }
    void closed(MHD_Connection* connection) {
        std::lock_guard lock(mutex_);
        entries_.erase(connection);
    }
    void reap(Clock::time_point now) {
        std::lock_guard lock(mutex_);
        for (auto& [connection, entry] : entries_) {
            if (entry.deadline > now) continue;
            ::shutdown(entry.fd, SHUT_RDWR);
            entry.deadline = Clock::time_point::max();
        }
    }

  private:
    struct Entry {
        int fd;
        Clock::time_point deadline;
    };
    std::mutex mutex_;
    std::unordered_map<MHD_Connection*, Entry> entries_;
};

// One thread for what happens at a time: held-back replies and the deadline sweep.
class Ticker {
  public:
    explicit Ticker(std::function<void(Clock::time_point)> every_tick)
        : every_tick_(std::move(every_tick)), thread_([this] { loop(); }) {}
    ~Ticker() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }
    void at(Clock::time_point when, std::function<void()> job) {
        {
            std::lock_guard lock(mutex_);
            jobs_.emplace(when, std::move(job));
        }
        wake_.notify_all();
    }

  private:
    static constexpr std::chrono::milliseconds kTick{100};
    void loop() {
        std::unique_lock lock(mutex_);
        while (!stopping_ || !jobs_.empty()) {
            auto now = Clock::now();
            while (!jobs_.empty() && (jobs_.begin()->first <= now || stopping_)) {
                auto job = std::move(jobs_.begin()->second);
                jobs_.erase(jobs_.begin());
                lock.unlock();
                job();
                lock.lock();
            }
            lock.unlock();
            every_tick_(now);
            lock.lock();
            auto next = now + kTick;
            if (!jobs_.empty()) next = std::min(next, jobs_.begin()->first);
            wake_.wait_until(lock, next);
        }
    }
    std::function<void(Clock::time_point)> every_tick_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::multimap<Clock::time_point, std::function<void()>> jobs_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace cx
