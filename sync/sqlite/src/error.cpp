#include "cx/sqlite/error.hpp"

#include <string>

namespace cx::sqlite {

ErrorKind error_kind(int result_code) {
    switch (result_code & 0xff) {  // the primary code of an extended one
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return ErrorKind::Damaged;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return ErrorKind::Busy;
        default:
            return ErrorKind::Store;
    }
}

Error make_sqlite_error(sqlite3* db, int result_code, std::string_view what) {
    // sqlite3_errmsg names the connection's last failure; a failed open may
    // leave no connection, and then the code's generic text is all there is.
    const char* detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(result_code);
    return make_error(error_kind(result_code),
                      "SQLite: " + std::string(what) + ": " + std::string(detail));
}

}  // namespace cx::sqlite
