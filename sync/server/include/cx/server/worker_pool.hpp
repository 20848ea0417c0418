#pragma once
// A fixed number of threads running queued jobs in order: the server's slow
// work (SQLite, scoring, export pages) happens here, never on the event loop.
// A job that throws is reported to on_failure and does not stop its worker.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

namespace cx {

class WorkerPool {
  public:
    explicit WorkerPool(int threads, std::function<void(std::string_view)> on_failure = {});
    ~WorkerPool();  // runs what is queued, then joins
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    void submit(std::function<void()> job);

  private:
    void work();
    void run(const std::function<void()>& job) noexcept;
    void report(std::string_view what) noexcept;

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    std::function<void(std::string_view)> on_failure_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace cx
