#include "cx/server/worker_pool.hpp"

namespace cx {

WorkerPool::WorkerPool(int threads, std::function<void(std::string_view)> on_failure)
    : on_failure_(std::move(on_failure)) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& thread : threads_) thread.join();
}

void WorkerPool::submit(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
}

void WorkerPool::work() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // stopping and drained
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        run(job);
    }
}

void WorkerPool::run(const std::function<void()>& job) noexcept {
    // A job that throws (std::bad_alloc included) must not end the process:
    // the exception is reported and the worker takes the next job.
    try {
        job();
    } catch (const std::exception& failure) {
        report(failure.what());
    } catch (...) {
        report("unknown exception");
    }
}

void WorkerPool::report(std::string_view what) noexcept {
    if (!on_failure_) return;
    try {
        on_failure_(what);
    } catch (...) {  // reporting failed too (out of memory): nothing more to do
    }
}

}  // namespace cx
