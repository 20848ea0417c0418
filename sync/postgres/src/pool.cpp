#include "cx/postgres/pool.hpp"

namespace cx::postgres {

Pool::Pool(std::string url, std::size_t size)
    : url_(std::move(url)), slots_(size == 0 ? 1 : size), in_use_(slots_.size(), false) {}

Pool::Lease::~Lease() {
    if (pool_) pool_->release(slot_);
}

Connection& Pool::Lease::operator*() const {
    return *pool_->slots_[slot_];
}

Result<Pool::Lease> Pool::acquire(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    std::size_t slot = 0;
    auto free_slot = [&] {
        for (slot = 0; slot < in_use_.size(); ++slot)
            if (!in_use_[slot]) return true;
        return false;
    };
    if (!freed_.wait_for(lock, timeout, free_slot))
        return make_error(ErrorKind::Busy, "PostgreSQL: all " + std::to_string(slots_.size()) +
                                               " connections busy for " +
                                               std::to_string(timeout.count()) + " ms");
    in_use_[slot] = true;
    lock.unlock();
    // Connecting happens outside the lock: other threads keep getting the open connections.
    Lease lease(this, slot);
    auto& connection = slots_[slot];
    if (connection && !connection->ensure_alive()) connection.reset();
    if (!connection) {
        auto opened = Connection::open(url_);
        if (!opened) return opened.error();  // the lease frees the slot
        connection.emplace(std::move(opened).value());
    }
    return lease;
}

void Pool::release(std::size_t slot) {
    {
        std::lock_guard lock(mutex_);
        in_use_[slot] = false;
    }
    freed_.notify_one();
}

}  // namespace cx::postgres
