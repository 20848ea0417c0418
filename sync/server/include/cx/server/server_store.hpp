#pragma once
// Where cxserver keeps responses and tokens. One interface, two backends:
// SQLite (the embedded default, one server process) and PostgreSQL (several
// stateless cxserver instances on one database). Both pass the same suite in
// tests/sync/test_server_store.cpp.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cx/scoring/response.hpp"
#include "cx/scoring/result.hpp"
#include "cx/server/people.hpp"
#include "cx/sync/protocol.hpp"

namespace cx {

enum class Role { Device, Viewer, Admin };
std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);

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

// A token as `cxserver list-tokens` shows it.
struct TokenListing {
    TokenGrant grant;
    std::string created_at;
    std::optional<std::string> revoked_at;
    bool operator==(const TokenListing&) const = default;
};

// A validated record as the store keeps it: the canonical line verbatim plus
// the columns it is found by and its place in its device key's hash chain.
struct StoredRecord {
    std::string id;
    std::string org;
    std::string site;
    std::string device;
    std::int64_t seq = 0;
    std::string submitted_at;
    std::string canonical;            // cx::to_canonical_json of the parsed record
    std::string server_flags = "[]";  // JSON array of flags the server set (e.g. ["clock"])
    // The seal (sync/PROTOCOL.md "Signed records"), lowercase hex; all empty for an
    // unsigned record (only rows stored before integrity are).
    std::string key;
    std::string hash;  // cx::integrity::record_hash of the record
    std::string prev_hash;
    bool complete = true;  // status "complete": the burst flag looks for the previous one
};

// A parsed, valid record as the store keeps it (server_flags still "[]").
StoredRecord stored_record(const Response& record);

// How the server came to trust a device's key (sync/PROTOCOL.md "Device keys").
enum class KeyTrust {
    Admin,     // bound by `cxserver add-token … --pubkey KEY`
    Tofu,      // pinned from the device's first signed upload (trust on first use)
    Enrolled,  // sent by the kiosk with a one-time enrolment code (`cxserver enrol-code`)
};
std::string_view to_string(KeyTrust trust);  // "admin", "tofu", "enrolled"
std::optional<KeyTrust> parse_key_trust(std::string_view text);

struct DeviceKey {
    std::string device;
    std::string key;  // 64 lowercase hex
    KeyTrust trusted = KeyTrust::Admin;
    std::string bound_at;
    bool operator==(const DeviceKey&) const = default;
};

// What the store keeps of a sealed record for the chain audit.
struct ChainLink {
    std::string device;
    std::string key;
    std::int64_t seq = 0;
    std::string hash;
    std::string prev_hash;
};

// What ingest did with one record of a batch.
enum class RecordOutcome {
    Stored,     // new: stored now (or the sealed version of a row stored unsigned)
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
    std::vector<std::string> lines;         // canonical records
    std::vector<std::string> server_flags;  // each line's server_flags (JSON array)
    std::optional<ExportCursor> next;       // set when more may follow
};

// Day states (README "Scores that do not slow down"): the store keeps, per org,
// site, device and UTC day of submitted_at, the exact mergeable score and chain
// audit state of the records it holds (opaque bytes, cx/server/day_state.hpp),
// updated in the ingest transaction, so that a score merges days instead of
// re-reading records. An empty state is a day marked stale (rows stored before day
// states, or by an ingest without a config): the next score rebuilds it from the
// day's records and puts it back.

// The day a record counts in: the first 10 characters ("YYYY-MM-DD") of its
// canonical submitted_at.
std::string_view record_day(std::string_view submitted_at);

struct DayKey {
    std::string org;
    std::string site;
    std::string device;
    std::string day;  // "YYYY-MM-DD"
    auto operator<=>(const DayKey&) const = default;
};

struct DayStateRow {
    DayKey key;
    std::string state;         // empty: stale
    std::int64_t version = 0;  // bumped by every write of the row
};

// Which day states a score reads: days in [first_day, end_day), either bound open.
struct DayStateQuery {
    std::string org;
    std::optional<std::string> site;
    std::optional<std::string> first_day;
    std::optional<std::string> end_day;
};

// A record of a batch that ingest stored (new, or the sealed version of an unsigned row).
struct StoredInBatch {
    std::size_t index = 0;  // into the batch
    bool upgraded = false;  // replaced an unsigned row (which its day counted as unsigned)
};

// Turns a day's state and the records a batch stored into it into the new state.
// The store calls it inside the ingest transaction, once per day the batch stored
// records in (fold_day_states); it reads and writes no store itself.
class DayStateFolder {
  public:
    virtual ~DayStateFolder() = default;
    // `state`: the day's current bytes, nullopt when the store holds none yet.
    virtual std::string fold(std::optional<std::string_view> state,
                             std::span<const StoredRecord> batch,
                             std::span<const StoredInBatch> stored) = 0;
};

// Marks every day it touches stale (an ingest that knows no scoring config: tests,
// tools); the next score rebuilds those days from their records.
DayStateFolder& stale_day_folder();

// The part of ingest that keeps each device's last upload: `note` once per device
// (org, site, device) of the batch with a Stored or Duplicate record, inside the
// ingest transaction.
Status note_uploads(std::span<const StoredRecord> batch, std::span<const RecordOutcome> outcomes,
                    const std::function<Status(const StoredRecord& of_device)>& note);

// What one ingest adds to a device's kept record figures (GET …/devices): how many
// rows it stored of the device and the greatest site among them. The store adds the
// count and keeps the greater site, so the kept figures are count(*) and max(site)
// over the device's stored rows without reading them.
struct DeviceRecordsAdded {
    std::string_view org;
    std::string_view device;
    std::string_view site;
    std::int64_t records = 0;
};

// The part of ingest that keeps each device's record figures: `add` once per (org,
// device) the batch stored new rows of, in (org, device) order (the order in which
// PostgreSQL's ingest locks devices), inside the ingest transaction. An upgraded row
// was counted when it was stored unsigned, and its site does not change: it adds nothing.
Status count_stored_records(std::span<const StoredRecord> batch,
                            std::span<const StoredInBatch> stored,
                            const std::function<Status(const DeviceRecordsAdded&)>& add);

// The part of ingest every backend shares: groups the stored records by day and,
// for each day, reads its state, folds and writes the result, through the backend's
// two statements (read: the row's state or nullopt; write: insert, or replace and
// bump the version). Both run inside the ingest transaction.
Status fold_day_states(std::span<const StoredRecord> batch, std::span<const StoredInBatch> stored,
                       DayStateFolder& folder,
                       const std::function<Result<std::optional<std::string>>(const DayKey&)>& read,
                       const std::function<Status(const DayKey&, std::string_view state)>& write);

// The latest heartbeat of a device (sync/PROTOCOL.md "POST /api/v1/heartbeat"), with
// the server's own time of receipt.
struct DeviceHeartbeat {
    std::string org;
    std::string site;
    std::string device;
    std::string received_at;
    Heartbeat heartbeat;
    bool operator==(const DeviceHeartbeat&) const = default;
};

// What the store knows of one device of an org, for GET …/devices: the latest
// heartbeat, the last batch that stored or duplicated a record of it, and how many
// records it holds. `site`: of its latest heartbeat, else of its records, else of its
// newest device token; empty when it is known only by a bound key.
struct DeviceActivity {
    std::string site;
    std::string device;
    std::optional<DeviceHeartbeat> heartbeat;
    std::optional<std::string> last_upload_at;
    std::int64_t records = 0;
    bool operator==(const DeviceActivity&) const = default;
};

// Merges what one query per table found into the device list of device_activity:
// each device once, its site by the precedence above, in (site, device) order.
struct DeviceSightings {
    std::vector<DeviceHeartbeat> heartbeats;
    std::map<std::string, std::string> last_uploads;  // device → received_at
    struct Records {
        std::string site;
        std::int64_t count = 0;
    };
    std::map<std::string, Records> records;          // device → its records
    std::map<std::string, std::string> token_sites;  // device → site of its newest token
    std::vector<std::string> key_devices;            // devices with a bound key
};
std::vector<DeviceActivity> merge_device_sightings(DeviceSightings sightings);

// A one-time enrolment code as the store keeps it: its hash, never the code.
struct EnrolmentCode {
    TokenHash hash{};  // hash_token of the code's digits
    std::string org;
    std::string site;
    std::string device;
    std::string created_at;
    std::string expires_at;  // canonical UTC: the code is refused from this time on
};

// Why a code is refused (sync/PROTOCOL.md "Enrolment").
enum class EnrolmentRefusal { Unknown, Expired, Used };
// The device's new grant, or why the code was refused.
using EnrolmentOutcome = std::variant<TokenGrant, EnrolmentRefusal>;

// What an enrolment writes, in one transaction with the code's use.
struct Enrolment {
    TokenHash code_hash{};
    std::string token_selector;  // the new device token's selector and hash
    TokenHash token_hash{};
    std::string key;  // the kiosk's public key, 64 lowercase hex
    std::string at;   // now: checked against the code's expiry, and written as its use
};

// A management assessment as saved (sync/PROTOCOL.md "Management assessment"). Every
// save is a new row, never changed: the row with the highest id is the org's current
// assessment, the others are its history.
struct SavedAssessment {
    std::int64_t id = 0;  // assigned by the store, rising with every save
    std::string org;
    std::string saved_by;  // the actor who saved it (cx/server/actor.hpp)
    std::string saved_at;  // the server's time, canonical UTC
    std::string document;  // the JSON as sent: what `cxscore score --assessment` reads
    // Parsed from the document (cx::parse_assessment), for lists and queries:
    bool conformity_passed = false;
    std::string levels;       // {"1.1":3,…}: compact JSON, in the scheme's order
    std::string auditor;      // each "" when the document has none
    std::string assessed_on;  // the document's "date"
    std::string notes;
    bool operator==(const SavedAssessment&) const = default;
};

class ServerStore {
  public:
    virtual ~ServerStore() = default;

    // One transaction; one outcome per batch record, in order. A record whose
    // id is already stored (or came earlier in the batch) with the same
    // canonical bytes is a Duplicate, with other bytes a Conflict (not stored;
    // the rest is) — unless the stored row is unsigned and the record is its
    // sealed version (same content apart from the seal): the row is upgraded and
    // the record counts as Stored. Each device the batch stored or duplicated records
    // of has its last upload set to `received_at` (note_uploads, GET …/devices), and
    // each device it stored new rows of has them counted (count_stored_records). Each
    // stored row gets `received_at`, and is
    // marked late when its chain already holds a higher seq. The Stored records'
    // day states are folded by `folder` in the same transaction (fold_day_states).
    // An error stores nothing.
    virtual Result<std::vector<RecordOutcome>> ingest(std::span<const StoredRecord> batch,
                                                      std::string_view received_at,
                                                      DayStateFolder& folder) = 0;
    // The same, marking the days it stores into stale (stale_day_folder).
    Result<std::vector<RecordOutcome>> ingest(std::span<const StoredRecord> batch,
                                              std::string_view received_at) {
        return ingest(batch, received_at, stale_day_folder());
    }

    // Every day state row matching `query`, in no particular order.
    virtual Status for_each_day_state(const DayStateQuery& query,
                                      const std::function<void(const DayStateRow&)>& visit) = 0;
    // Puts back a state a score rebuilt from the day's records, only if the row still
    // has `version` (no ingest wrote it since it was read): false when it had changed.
    virtual Result<bool> replace_day_state(const DayKey& key, std::int64_t version,
                                           std::string_view state) = 0;

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
    // Every token issued for `org` (all orgs when none), revoked ones too, by id:
    // what an operator needs to rotate or revoke one (never its value or hash).
    virtual Result<std::vector<TokenListing>> list_tokens(std::optional<std::string_view> org) = 0;

    // The keys bound to one device of `org` (device given) or to all its devices,
    // by device, then in the order they were bound.
    virtual Result<std::vector<DeviceKey>> device_keys(std::string_view org,
                                                       std::optional<std::string_view> device) = 0;
    // An admin binds `key` to the device (a key it had pinned on first use becomes
    // admin-bound).
    virtual Status bind_key(std::string_view org, std::string_view device, std::string_view key,
                            std::string_view bound_at) = 0;
    // Pins `key` on first use when the device has no key yet (atomically: of two
    // first uploads at once one key wins); returns the device's keys afterwards.
    virtual Result<std::vector<DeviceKey>> pin_first_key(std::string_view org,
                                                         std::string_view device,
                                                         std::string_view key,
                                                         std::string_view pinned_at) = 0;
    // Keeps a new enrolment code (its hash is unique: a clash is an error).
    virtual Status add_enrolment_code(const EnrolmentCode& code) = 0;
    // In one transaction: uses the code (once), issues a device token for its org,
    // site and device, and binds `key` to that device trusted "enrolled" (a key
    // already bound keeps its trust; one pinned on first use becomes "enrolled").
    // Of two enrolments with one code at once, exactly one gets the grant.
    virtual Result<EnrolmentOutcome> enrol(const Enrolment& enrolment) = 0;

    // The submitted_at of the complete record of this chain with the highest seq
    // at or below `seq`, if the store holds one.
    virtual Result<std::optional<std::string>> last_complete_at_or_before(std::string_view org,
                                                                          std::string_view device,
                                                                          std::string_view key,
                                                                          std::int64_t seq) = 0;
    // Every sealed record of `org`, as the chain audit needs it.
    virtual Status for_each_link(std::string_view org,
                                 const std::function<void(const ChainLink&)>& visit) = 0;
    // Per device of `org`: how many records arrived below their chain's highest seq.
    virtual Result<std::map<std::string, std::int64_t>> late_arrivals(std::string_view org) = 0;

    // Keeps `beat` as its device's latest heartbeat (replacing the one before).
    virtual Status put_heartbeat(const DeviceHeartbeat& beat) = 0;
    // Every device of `org` the store knows by a device token, bound key, record or
    // heartbeat, in (site, device) order; one query per table, whatever the number
    // of devices.
    virtual Result<std::vector<DeviceActivity>> device_activity(std::string_view org) = 0;

    // People and their sessions (cx/server/people.hpp). A name is unique: adding one
    // that exists is an error of kind Invalid.
    virtual Result<std::int64_t> add_user(const User& user, std::string_view password_hash) = 0;
    // The user of this name, disabled or not.
    virtual Result<std::optional<UserCredentials>> find_user(std::string_view name) = 0;
    // Every user, by name.
    virtual Result<std::vector<User>> list_users() = 0;
    // False when no user has this name.
    virtual Result<bool> set_password(std::string_view name, std::string_view password_hash,
                                      std::string_view changed_at) = 0;
    // In one transaction: marks the user disabled and ends every session of theirs.
    // False when no user has this name.
    virtual Result<bool> disable_user(std::string_view name, std::string_view changed_at) = 0;
    virtual Status add_session(const NewSession& session) = 0;
    // The session whose id hashes to `id_hash`, if it is live by `cutoffs` and its user
    // is not disabled; its last use becomes `cutoffs.now`. A session found over is
    // deleted.
    virtual Result<std::optional<LiveSession>> use_session(const TokenHash& id_hash,
                                                           const SessionCutoffs& cutoffs) = 0;
    // Ends the session (sign-out); ending one that is gone is no error.
    virtual Status end_session(const TokenHash& id_hash) = 0;
    // Every organisation the store knows by a token or a viewer, by name.
    virtual Result<std::vector<std::string>> list_orgs() = 0;
    // Keeps `assessment` as a new row (its id is ignored) and returns the row's id.
    virtual Result<std::int64_t> add_assessment(const SavedAssessment& assessment) = 0;
    // Every assessment saved for `org`, newest first (the first one counts); at most
    // `limit` of them.
    virtual Result<std::vector<SavedAssessment>> assessments(std::string_view org,
                                                             std::size_t limit) = 0;
};

// The assessment that counts for `org`: the newest saved, nullopt when none was.
Result<std::optional<SavedAssessment>> latest_assessment(ServerStore& store, std::string_view org);

// Every record matching `query` in export order, read page by page so memory
// stays bounded; an error from the store ends the walk.
Status for_each_record(ServerStore& store, const ResponseQuery& query,
                       const std::function<void(std::string_view canonical)>& visit,
                       std::size_t page_size = 5000);
// The same walk, with each record's server_flags.
Status for_each_record_with_flags(
    ServerStore& store, const ResponseQuery& query,
    const std::function<void(std::string_view canonical, std::string_view server_flags)>& visit,
    std::size_t page_size = 5000);

// "sqlite:PATH" (PATH may be relative) or "postgres://…"/"postgresql://…".
struct DbUrl {
    enum class Kind { Sqlite, Postgres } kind = Kind::Sqlite;
    std::string location;  // file path, or the whole PostgreSQL connection URL
};
Result<DbUrl> parse_db_url(std::string_view url);

// Opens (creating or migrating if needed) the store named by `url`. A
// PostgreSQL store keeps up to `connections` connections (cxserver serve: one
// per worker thread); SQLite has one writer and opens readers as needed.
Result<std::unique_ptr<ServerStore>> open_store(std::string_view url, std::size_t connections = 1);

}  // namespace cx
