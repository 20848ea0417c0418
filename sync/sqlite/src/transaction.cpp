#include "cx/sqlite/transaction.hpp"

#include <utility>

#include "cx/sqlite/connection.hpp"

namespace cx::sqlite {

Result<Transaction> Transaction::begin(Connection& connection) {
    if (auto begun = connection.exec("BEGIN IMMEDIATE"); !begun) return begun.error();
    return Transaction(connection);
}

Transaction::Transaction(Transaction&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)) {}

Transaction::~Transaction() {
    // A failed statement may already have ended the transaction; then there
    // is nothing to roll back.
    if (connection_ && !sqlite3_get_autocommit(connection_->get()))
        sqlite3_exec(connection_->get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

Status Transaction::commit() {
    if (!connection_)
        return make_error(ErrorKind::Internal, "SQLite: commit without a transaction");
    auto committed = connection_->exec("COMMIT");
    // A failed COMMIT (e.g. busy) leaves the transaction open: the destructor rolls it back.
    if (committed) connection_ = nullptr;
    return committed;
}

}  // namespace cx::sqlite
