#pragma once
// A fixed-size pool of connections (cxserver sizes it by --threads). acquire()
// waits for a free connection until a deadline; the lease gives it back when it
// goes out of scope. Connections are opened lazily and a broken one is reset
// before it is handed out, so a database restart costs the requests in flight,
// not the server.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cx/postgres/connection.hpp"
#include "cx/scoring/result.hpp"

namespace cx::postgres {

class Pool {
  public:
    Pool(std::string url, std::size_t size);
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    class Lease {
      public:
        Lease(Lease&& other) noexcept : pool_(other.pool_), slot_(other.slot_) {
            other.pool_ = nullptr;
        }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease();
        Connection& operator*() const;
        Connection* operator->() const { return &**this; }

      private:
        friend class Pool;
        Lease(Pool* pool, std::size_t slot) : pool_(pool), slot_(slot) {}
        Pool* pool_;
        std::size_t slot_;
    };

    // A connection, or Busy when none is free before `timeout`, or the error of
    // opening one (Network when the database is unreachable).
    Result<Lease> acquire(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    std::size_t size() const { return slots_.size(); }

  private:
    void release(std::size_t slot);
    std::string url_;
    std::mutex mutex_;
    std::condition_variable freed_;
    std::vector<std::optional<Connection>> slots_;
    std::vector<bool> in_use_;
};

}  // namespace cx::postgres
