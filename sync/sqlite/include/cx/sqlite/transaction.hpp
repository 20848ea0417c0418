#pragma once
// The write transaction of both stores: BEGIN IMMEDIATE (the write lock is
// taken at once, so a busy database fails here and not half-way through),
// COMMIT, and ROLLBACK in the destructor unless committed. Never throws.
#include "cx/scoring/result.hpp"

namespace cx::sqlite {

class Connection;

class Transaction {
  public:
    static Result<Transaction> begin(Connection& connection);
    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    Status commit();

  private:
    explicit Transaction(Connection& connection) : connection_(&connection) {}
    Connection* connection_;  // null once committed or moved from
};

}  // namespace cx::sqlite
