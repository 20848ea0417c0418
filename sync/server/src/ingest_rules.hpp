#pragma once
// What every ServerStore backend decides the same way inside its ingest
// transaction (server_store.hpp, ServerStore::ingest): whether a record arrives
// late, and what to do with a record whose id is already stored; and the
// queries both write the same way.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <tuple>

#include "cx/server/server_store.hpp"

namespace cx {

// Highest seq per chain (org, device, key) inside one ingest transaction: what the
// store held when the chain was first met, raised by every record after it.
class ChainHighs {
  public:
    // The highest seq the store holds for the record's chain (0 for none).
    using StoredHigh = std::function<Result<std::int64_t>(const StoredRecord& record)>;

    // Whether `record` arrives below the highest seq its chain holds; counts it in.
    // An unsigned record has no chain and is never late.
    Result<bool> arrives_late(const StoredRecord& record, const StoredHigh& stored_high);

  private:
    std::map<std::tuple<std::string, std::string, std::string>, std::int64_t> highs_;
};

enum class SameId {
    Duplicate,  // the stored bytes are the record's
    Conflict,   // other content: the record is refused
    Upgrade,    // the stored row is unsigned and the record is its sealed version
};
SameId compare_with_stored(const StoredRecord& record, std::string_view stored_canonical);

// ServerStore::list_orgs in either backend's SQL: an organisation exists once a token or a
// viewer names it.
// A user's columns in cx::User's order (each backend's read_user); prefixed, so a
// join with sessions can name them.
inline constexpr const char* kUserColumns =
    "users.id, users.name, users.role, users.org, users.disabled, users.created_at,"
    " users.changed_at";

inline constexpr const char* kListOrgsSql =
    "SELECT org FROM tokens UNION SELECT org FROM users WHERE role = 'viewer' ORDER BY org";

}  // namespace cx
