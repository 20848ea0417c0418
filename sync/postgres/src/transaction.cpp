#include "cx/postgres/transaction.hpp"

#include "cx/postgres/connection.hpp"

namespace cx::postgres {

namespace {

std::string_view begin_sql(Isolation isolation) {
    switch (isolation) {
        case Isolation::RepeatableRead:
            return "BEGIN ISOLATION LEVEL REPEATABLE READ";
        case Isolation::Serializable:
            return "BEGIN ISOLATION LEVEL SERIALIZABLE";
        case Isolation::ReadCommitted:
            break;
    }
    return "BEGIN";
}

}  // namespace

Transaction::Transaction(Connection& connection, Isolation isolation)
    : connection_(connection), begun_(connection.exec(begin_sql(isolation))) {
    open_ = begun_.ok();
}

Transaction::~Transaction() {
    // A failed ROLLBACK leaves nothing to undo: the server drops the transaction with the link.
    if (open_) (void)connection_.exec("ROLLBACK");
}

Status Transaction::commit() {
    if (!open_) return make_error(ErrorKind::Internal, "PostgreSQL: commit without a transaction");
    open_ = false;
    return connection_.exec("COMMIT");
}

}  // namespace cx::postgres
