#pragma once
// Where cxserver keeps responses and tokens. One interface, several backends:
// SQLite now (one server process), PostgreSQL later (several stateless
// cxserver instances on one database). Every backend passes the same suite
// in tests/sync/test_server_store.cpp.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cx/scoring/result.hpp"
#include "cx/sync/protocol.hpp"

namespace cx {

enum class Role { Device, Viewer, Admin };
std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);

using TokenHash = std::array<unsigned char, 32>;

// What a token allows: a device token is bound to org + site + device, a
// viewer or admin token to an org.
struct TokenGrant {
    std::int64_t id = 0;  // assigned by the store
    Role role = Role::Device;
    std::string org;
    std::string site;    // device tokens only
    std::string device;  // device tokens only
    bool operator==(const TokenGrant&) const = default;
};

// A validated record as the store keeps it: the canonical line verbatim plus
// the columns it is found by (signatures and hash chains will add columns).
struct StoredRecord {
    std::string id;
    std::string org;
    std::string site;
    std::string device;
    std::int64_t seq = 0;
    std::string submitted_at;
    std::string canonical;            // cx::to_canonical_json of the parsed record
    std::string server_flags = "[]";  // JSON array of flags the server set (e.g. ["clock"])
};

// What ingest did with one record of a batch.
enum class RecordOutcome {
    Stored,     // new: stored now
    Duplicate,  // its id is stored with the same canonical bytes: nothing to do
    Conflict,   // its id is stored with other bytes: not stored, the rest of the batch is
};

// Filter of the score and export endpoints; timestamps are canonical UTC
// strings, which order like the times they name.
struct ResponseQuery {
    std::string org;
    std::optional<std::string> site;
    std::optional<std::string> from;  // submitted_at >= from
    std::optional<std::string> to;    // submitted_at < to
};

// Position after the last record of a page; export order is device, seq, id.
struct ExportCursor {
    std::string device;
    std::int64_t seq = 0;
    std::string id;
};

struct ExportPage {
    std::vector<std::string> lines;    // canonical records
    std::optional<ExportCursor> next;  // set when more may follow
};

class ServerStore {
  public:
    virtual ~ServerStore() = default;

    // One transaction; one outcome per batch record, in order. A record whose
    // id is already stored (or came earlier in the batch) with the same
    // canonical bytes is a Duplicate, with other bytes a Conflict (not stored;
    // the rest is). Each stored row gets `received_at`. An error stores nothing.
    virtual Result<std::vector<RecordOutcome>> ingest(std::span<const StoredRecord> batch,
                                                      std::string_view received_at) = 0;

    virtual Result<ExportPage> export_page(const ResponseQuery& query,
                                           const std::optional<ExportCursor>& after,
                                           std::size_t limit) = 0;

    // Stores a grant under the token's selector (public lookup key) and hash.
    virtual Result<std::int64_t> add_token(std::string_view selector, const TokenHash& hash,
                                           const TokenGrant& grant,
                                           std::string_view created_at) = 0;
    // The active (not revoked) grant stored under `selector`, with its hash.
    struct TokenRow {
        TokenGrant grant;
        TokenHash hash{};
    };
    virtual Result<std::optional<TokenRow>> find_token(std::string_view selector) = 0;
    // False when no active token has this id.
    virtual Result<bool> revoke_token(std::int64_t id, std::string_view revoked_at) = 0;
};

// Every record matching `query` in export order, read page by page so memory
// stays bounded; an error from the store ends the walk.
Status for_each_record(ServerStore& store, const ResponseQuery& query,
                       const std::function<void(std::string_view canonical)>& visit,
                       std::size_t page_size = 5000);

// "sqlite:PATH" (PATH may be relative) or "postgres://…"/"postgresql://…".
struct DbUrl {
    enum class Kind { Sqlite, Postgres } kind = Kind::Sqlite;
    std::string location;  // file path, or the whole PostgreSQL connection URL
};
Result<DbUrl> parse_db_url(std::string_view url);

// Opens (creating if needed) the store named by `url`.
Result<std::unique_ptr<ServerStore>> open_store(std::string_view url);

}  // namespace cx
