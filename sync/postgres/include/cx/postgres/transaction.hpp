#pragma once
// An RAII transaction: BEGIN on construction, ROLLBACK on destruction unless
// committed. Check ok() before using it: BEGIN can fail (a broken connection).
#include <string_view>

#include "cx/scoring/result.hpp"

namespace cx::postgres {

class Connection;

enum class Isolation { ReadCommitted, RepeatableRead, Serializable };

class Transaction {
  public:
    explicit Transaction(Connection& connection, Isolation isolation = Isolation::ReadCommitted);
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    const Status& begun() const { return begun_; }
    Status commit();

  private:
    Connection& connection_;
    Status begun_;
    bool open_ = false;
};

}  // namespace cx::postgres
