#include "cx/server/sqlite_store.hpp"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>

#include "cx/server/schema_versions.hpp"
#include "cx/sqlite/connection.hpp"
#include "cx/sqlite/migrate.hpp"
#include "cx/sqlite/statement.hpp"
#include "cx/sqlite/transaction.hpp"
#include "ingest_rules.hpp"

namespace cx {

namespace {

// synchronous=FULL (in every writer's pragmas): a 200 tells the kiosk it may
// forget the records, so the commit must be on disk before the reply.
constexpr std::chrono::milliseconds kBusyTimeout{10000};

}  // namespace

std::string sqlite_pragmas_sql() {
    return sqlite::Connection::writer_pragmas_sql(kBusyTimeout);
}

std::string sqlite_schema_sql() {
    std::string script;
    for (auto version : sqlite_schema_versions()) script += version;
    return script;
}

std::string_view sqlite_insert_response_sql() {
    return "INSERT INTO responses(id, org, site, device, seq, submitted_at, received_at, "
           "canonical, server_flags, key, hash, prev_hash, complete, late) "
           "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
           "ON CONFLICT(id) DO NOTHING";
}

bool is_sealed_version_of(std::string_view sealed, std::string_view unsigned_line) {
    // The canonical line puts the seal last: the unsigned line without its closing
    // brace, then ,"key":… (cx::append_canonical_json).
    constexpr std::string_view kSealStart = ",\"key\":\"";
    if (unsigned_line.empty() || unsigned_line.back() != '}') return false;
    auto body = unsigned_line.substr(0, unsigned_line.size() - 1);
    return sealed.size() > unsigned_line.size() && sealed.starts_with(body) &&
           sealed.substr(body.size()).starts_with(kSealStart) &&
           unsigned_line.find(kSealStart) == std::string_view::npos;
}

namespace {

using sqlite::Connection;
using sqlite::Statement;

// Whether [from, to) spans at most 24 hours (bounds are canonical UTC timestamps).
bool at_most_a_day(std::string_view from, std::string_view to) {
    auto start = parse_utc_timestamp(from);
    auto end = parse_utc_timestamp(to);
    return start && end && *end - *start <= std::chrono::hours{24};
}

// Read connections for concurrent exports and token look-ups (WAL lets them
// read while the writer commits).
class ReaderPool {
  public:
    explicit ReaderPool(std::string path) : path_(std::move(path)) {}

    class Lease {
      public:
        Lease(ReaderPool& pool, Connection db) : pool_(pool), db_(std::move(db)) {}
        ~Lease() { pool_.give_back(std::move(db_)); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Connection& connection() { return db_; }

      private:
        ReaderPool& pool_;
        Connection db_;
    };

    Result<std::unique_ptr<Lease>> lease() {
        {
            std::lock_guard lock(mutex_);
            if (!idle_.empty()) {
                auto db = std::move(idle_.back());
                idle_.pop_back();
                return std::make_unique<Lease>(*this, std::move(db));
            }
        }
        auto db = Connection::open(path_, {sqlite::Access::ReadOnly, kBusyTimeout});
        if (!db) return db.error();
        return std::make_unique<Lease>(*this, std::move(db.value()));
    }

  private:
    void give_back(Connection db) {
        std::lock_guard lock(mutex_);
        idle_.push_back(std::move(db));
    }

    std::string path_;
    std::mutex mutex_;
    std::vector<Connection> idle_;
};

class SqliteStore final : public ServerStore {
  public:
    SqliteStore(std::string path, Connection writer)
        : writer_(std::move(writer)),
          insert_(writer_, sqlite_insert_response_sql()),
          stored_canonical_(writer_, "SELECT canonical FROM responses WHERE id = ?1"),
          upgrade_(writer_,
                   // The insert's parameters (bind_row), so one binding serves both.
                   "UPDATE responses SET received_at = ?7, canonical = ?8, server_flags = ?9,"
                   " key = ?10, hash = ?11, prev_hash = ?12, late = ?14"
                   " WHERE id = ?1 AND key IS NULL"),
          chain_highest_(writer_,
                         "SELECT max(seq) FROM responses WHERE org = ?1 AND device = ?2"
                         " AND key = ?3"),
          read_day_(writer_,
                    "SELECT state FROM day_states"
                    " WHERE org = ?1 AND site = ?2 AND device = ?3 AND day = ?4"),
          write_day_(writer_,
                     "INSERT INTO day_states(org, site, device, day, state)"
                     " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(org, site, device, day)"
                     " DO UPDATE SET state = excluded.state, version = version + 1"),
          replace_day_(writer_,
                       "UPDATE day_states SET state = ?5, version = version + 1"
                       " WHERE org = ?1 AND site = ?2 AND device = ?3 AND day = ?4"
                       " AND version = ?6"),
          bind_key_(writer_,
                    "INSERT INTO device_keys(org, device, key, trusted, bound_at)"
                    " VALUES(?1, ?2, ?3, 'admin', ?4)"
                    " ON CONFLICT(org, device, key) DO UPDATE SET trusted = 'admin'"),
          pin_key_(writer_,
                   "INSERT INTO device_keys(org, device, key, trusted, bound_at)"
                   " SELECT ?1, ?2, ?3, 'tofu', ?4 WHERE NOT EXISTS"
                   " (SELECT 1 FROM device_keys WHERE org = ?1 AND device = ?2)"),
          insert_token_(writer_,
                        "INSERT INTO tokens(selector, hash, role, org, site, device, created_at)"
                        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
          revoke_token_(writer_,
                        "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL"),
          put_heartbeat_(writer_,
                         "INSERT INTO device_heartbeats(org, device, site, received_at, version,"
                         " uptime_s, waiting, refused, last_activity, free_disk_bytes,"
                         " clock_offset_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                         " ON CONFLICT(org, device) DO UPDATE SET site = excluded.site,"
                         " received_at = excluded.received_at, version = excluded.version,"
                         " uptime_s = excluded.uptime_s, waiting = excluded.waiting,"
                         " refused = excluded.refused, last_activity = excluded.last_activity,"
                         " free_disk_bytes = excluded.free_disk_bytes,"
                         " clock_offset_ms = excluded.clock_offset_ms"),
          note_upload_(writer_,
                       "INSERT INTO device_uploads(org, device, site, last_upload_at)"
                       " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(org, device) DO UPDATE SET"
                       " site = excluded.site, last_upload_at = excluded.last_upload_at"),
          count_records_(writer_,
                         "INSERT INTO device_records(org, device, site, records)"
                         " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(org, device) DO UPDATE SET"
                         " site = max(site, excluded.site), records = records + excluded.records"),
          insert_code_(writer_,
                       "INSERT INTO enrolment_codes(hash, org, site, device, created_at,"
                       " expires_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"),
          find_code_(writer_,
                     "SELECT org, site, device, expires_at, used_at FROM enrolment_codes"
                     " WHERE hash = ?1"),
          use_code_(writer_,
                    "UPDATE enrolment_codes SET used_at = ?2 WHERE hash = ?1 AND used_at IS NULL"),
          enrol_key_(writer_,
                     "INSERT INTO device_keys(org, device, key, trusted, bound_at)"
                     " VALUES(?1, ?2, ?3, 'enrolled', ?4) ON CONFLICT(org, device, key)"
                     " DO UPDATE SET trusted = 'enrolled' WHERE trusted = 'tofu'"),
          insert_user_(writer_,
                       "INSERT INTO users(name, role, org, password_hash, created_at, changed_at)"
                       " VALUES(?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT(name) DO NOTHING RETURNING id"),
          find_user_(writer_, std::string("SELECT ") + kUserColumns +
                                  ", password_hash FROM users WHERE name = ?1"),
          set_password_(writer_,
                        "UPDATE users SET password_hash = ?2, changed_at = ?3 WHERE name = ?1"),
          disable_user_(writer_, "UPDATE users SET disabled = 1, changed_at = ?2 WHERE name = ?1"),
          end_user_sessions_(writer_,
                             "DELETE FROM sessions WHERE user_id IN"
                             " (SELECT id FROM users WHERE name = ?1)"),
          insert_session_(writer_,
                          "INSERT INTO sessions(id_hash, user_id, csrf_secret, created_at,"
                          " last_used_at) VALUES(?1, ?2, ?3, ?4, ?4)"),
          find_session_(writer_,
                        std::string("SELECT ") + kUserColumns +
                            ", sessions.csrf_secret, sessions.created_at FROM sessions"
                            " JOIN users ON users.id = sessions.user_id WHERE sessions.id_hash = ?1"
                            " AND NOT users.disabled AND sessions.last_used_at > ?2"
                            " AND sessions.created_at > ?3"),
          touch_session_(writer_, "UPDATE sessions SET last_used_at = ?2 WHERE id_hash = ?1"),
          end_session_(writer_, "DELETE FROM sessions WHERE id_hash = ?1"),
          insert_assessment_(writer_,
                             "INSERT INTO assessments(org, saved_by, saved_at, document,"
                             " conformity_passed, levels, auditor, assessed_on, notes)"
                             " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
          readers_(std::move(path)) {}

    Status prepared() const {
        return sqlite::all_prepared(
            {&insert_,       &stored_canonical_, &upgrade_,           &chain_highest_,
             &read_day_,     &write_day_,        &replace_day_,       &bind_key_,
             &pin_key_,      &insert_token_,     &revoke_token_,      &put_heartbeat_,
             &note_upload_,  &count_records_,    &insert_code_,       &find_code_,
             &use_code_,     &enrol_key_,        &insert_user_,       &find_user_,
             &set_password_, &disable_user_,     &end_user_sessions_, &insert_session_,
             &find_session_, &touch_session_,    &end_session_,       &insert_assessment_});
    }

    // Group commit: batches that arrive while a transaction is being written
    // wait, and the next one to go writes them all in one transaction (one
    // fsync for several uploads, which is what the single SQLite writer spends
    // most of its time on). Each caller returns only after the commit that holds
    // its batch; a failed commit fails every batch of its group, none half.
    Result<std::vector<RecordOutcome>> ingest(std::span<const StoredRecord> batch,
                                              std::string_view received_at,
                                              DayStateFolder& folder) override {
        QueuedBatch mine{batch, received_at, folder, std::nullopt};
        std::unique_lock lock(queue_mutex_);
        queue_.push_back(&mine);
        while (!mine.result) {
            if (group_writing_) {
                group_written_.wait(lock);
                continue;
            }
            group_writing_ = true;
            auto group = std::exchange(queue_, {});
            lock.unlock();
            auto results = write_group(group);
            lock.lock();
            for (std::size_t i = 0; i < group.size(); ++i) group[i]->result = std::move(results[i]);
            group_writing_ = false;
            group_written_.notify_all();
        }
        return std::move(*mine.result);
    }

    Result<ExportPage> export_page(const ResponseQuery& query,
                                   const std::optional<ExportCursor>& after,
                                   std::size_t limit) override {
        auto lease = readers_.lease();
        if (!lease) return lease.error();
        // Optional filters are written as "?N IS NULL OR …" so one statement serves all,
        // in export order; a period of at most a day (a score's partial first or last
        // day) finds its rows by time and sorts them, instead of filtering all of the
        // org's. A longer one keeps to export order: each page would sort it all again.
        const bool within_a_day = query.from && query.to && at_most_a_day(*query.from, *query.to);
        Statement select(
            lease.value()->connection(),
            std::string("SELECT device, seq, id, canonical, server_flags FROM responses") +
                (within_a_day ? " INDEXED BY responses_by_time" : "") +
                " WHERE org = ?1"
                " AND (?2 IS NULL OR site = ?2)" +
                (within_a_day ? " AND submitted_at >= ?3 AND submitted_at < ?4"
                              : " AND (?3 IS NULL OR submitted_at >= ?3)"
                                " AND (?4 IS NULL OR submitted_at < ?4)") +
                " AND (?5 IS NULL OR (device, seq, id) > (?5, ?6, ?7))"
                " ORDER BY device, seq, id LIMIT ?8");
        bind_filter(select, query.org, query.site, query.from, query.to);
        if (after) select.bind(5, after->device).bind(6, after->seq).bind(7, after->id);
        select.bind(8, static_cast<std::int64_t>(limit));
        ExportPage page;
        ExportCursor last;
        for (;;) {
            auto row = select.step();
            if (!row) return row.error();
            if (!row.value()) break;
            last = {std::string(select.text(0)), select.integer(1), std::string(select.text(2))};
            page.lines.emplace_back(select.text(3));
            page.server_flags.emplace_back(select.text(4));
        }
        if (page.lines.size() == limit) page.next = std::move(last);
        return page;
    }

    Status for_each_day_state(const DayStateQuery& query,
                              const std::function<void(const DayStateRow&)>& visit) override {
        auto lease = readers_.lease();
        if (!lease) return lease.error();
        Statement select(lease.value()->connection(),
                         "SELECT site, device, day, state, version FROM day_states"
                         " WHERE org = ?1"
                         " AND (?2 IS NULL OR site = ?2)"
                         " AND (?3 IS NULL OR day >= ?3)"
                         " AND (?4 IS NULL OR day < ?4)");
        bind_filter(select, query.org, query.site, query.first_day, query.end_day);
        DayStateRow row;
        row.key.org = query.org;
        for (;;) {
            auto step = select.step();
            if (!step) return step.error();
            if (!step.value()) return Ok{};
            row.key.site = select.text(0);
            row.key.device = select.text(1);
            row.key.day = select.text(2);
            auto state = select.blob(3);
            row.state.assign(reinterpret_cast<const char*>(state.data()), state.size());
            row.version = select.integer(4);
            visit(row);
        }
    }

    Result<bool> replace_day_state(const DayKey& key, std::int64_t version,
                                   std::string_view state) override {
        std::lock_guard lock(write_mutex_);
        auto replaced = bind_day(replace_day_.reset(), key)
                            .bind_blob(5, as_bytes(state))
                            .bind(6, version)
                            .run();
        if (!replaced) return replaced.error();
        return writer_.changes() == 1;
    }

    Result<std::int64_t> add_token(std::string_view selector, const TokenHash& hash,
                                   const TokenGrant& grant, std::string_view created_at) override {
        std::lock_guard lock(write_mutex_);
        auto stored = insert_token_.reset()
                          .bind(1, selector)
                          .bind_blob(2, hash)
                          .bind(3, to_string(grant.role))
                          .bind(4, grant.org)
                          .bind(5, grant.site)
                          .bind(6, grant.device)
                          .bind(7, created_at)
                          .run();
        if (!stored) return stored.error();
        return writer_.last_insert_rowid();
    }

    Result<std::optional<TokenRow>> find_token(std::string_view selector) override {
        auto lease = readers_.lease();
        if (!lease) return lease.error();
        Statement select(lease.value()->connection(),
                         "SELECT id, hash, role, org, site, device FROM tokens"
                         " WHERE selector = ?1 AND revoked_at IS NULL");
        auto row = select.bind(1, selector).step();
        if (!row) return row.error();
        if (!row.value()) return std::optional<TokenRow>{};
        TokenRow token;
        auto role = parse_role(select.text(2));
        auto hash = select.blob(1);
        if (!role || hash.size() != token.hash.size())
            return make_error(
                ErrorKind::Damaged,
                "SQLite: token row " + std::to_string(select.integer(0)) + " is damaged");
        std::memcpy(token.hash.data(), hash.data(), token.hash.size());
        token.grant = {select.integer(0), *role, std::string(select.text(3)),
                       std::string(select.text(4)), std::string(select.text(5))};
        return std::optional<TokenRow>{std::move(token)};
    }

    Result<bool> revoke_token(std::int64_t id, std::string_view revoked_at) override {
        std::lock_guard lock(write_mutex_);
        if (auto done = revoke_token_.reset().bind(1, id).bind(2, revoked_at).run(); !done)
            return done.error();
        return writer_.changes() == 1;
    }

    Result<std::vector<TokenListing>> list_tokens(std::optional<std::string_view> org) override {
        auto lease = readers_.lease();
        if (!lease) return lease.error();
        // An org name is never empty (TokenService refuses it): '' asks for all.
        Statement select(lease.value()->connection(),
                         "SELECT id, role, org, site, device, created_at, revoked_at FROM tokens"
                         " WHERE ?1 = '' OR org = ?1 ORDER BY id");
        select.bind(1, org.value_or(""));
        std::vector<TokenListing> tokens;
        while (true) {
            auto row = select.step();
            if (!row) return row.error();
            if (!row.value()) return tokens;
            auto role = parse_role(select.text(1));
            if (!role)
                return make_error(
                    ErrorKind::Damaged,
                    "SQLite: token row " + std::to_string(select.integer(0)) + " is damaged");
            TokenListing token{{select.integer(0), *role, std::string(select.text(2)),
                                std::string(select.text(3)), std::string(select.text(4))},
                               std::string(select.text(5)),
                               {}};
            if (!select.is_null(6)) token.revoked_at = std::string(select.text(6));
            tokens.push_back(std::move(token));
        }
    }

    Result<std::vector<DeviceKey>> device_keys(std::string_view org,
                                               std::optional<std::string_view> device) override {
        auto lease = readers_.lease();
        if (!lease) return lease.error();
        return read_device_keys(lease.value()->connection(), org, device);
    }

    Status bind_key(std::string_view org, std::string_view device, std::string_view key,
                    std::string_view bound_at) override {
        std::lock_guard lock(write_mutex_);
        return bind_key_.reset().bind(1, org).bind(2, device).bind(3, key).bind(4, bound_at).run();
    }

    Result<std::vector<DeviceKey>> pin_first_key(std::string_view org, std::string_view device,
                                                 std::string_view key,
                                                 std::string_view pinned_at) override {
        std::lock_guard lock(write_mutex_);
        if (auto pinned =
                pin_key_.reset().bind(1, org).bind(2, device).bind(3, key).bind(4, pinned_at).run();
            !pinned)
            return pinned.error();
        return read_device_keys(writer_, org, device);
    }

    Status add_enrolment_code(const EnrolmentCode& code) override {
        std::lock_guard lock(write_mutex_);
        return insert_code_.reset()
            .bind_blob(1, code.hash)
            .bind(2, code.org)
            .bind(3, code.site)
            .bind(4, code.device)
            .bind(5, code.created_at)
            .bind(6, code.expires_at)
            .run();
    }

    Result<EnrolmentOutcome> enrol(const Enrolment& enrolment) override {
        // The one writer: two enrolments with one code are one after the other.
        std::lock_guard lock(write_mutex_);
        auto transaction = sqlite::Transaction::begin(writer_);
        if (!transaction) return transaction.error();
        auto found = find_code_.reset().bind_blob(1, enrolment.code_hash).step();
        if (!found) return found.error();
        if (!found.value()) return EnrolmentOutcome{EnrolmentRefusal::Unknown};
        TokenGrant grant{0, Role::Device, std::string(find_code_.text(0)),
                         std::string(find_code_.text(1)), std::string(find_code_.text(2))};
        const bool used = !find_code_.is_null(4);
        const bool expired = find_code_.text(3) <= enrolment.at;
        find_code_.reset();
        if (used) return EnrolmentOutcome{EnrolmentRefusal::Used};
        if (expired) return EnrolmentOutcome{EnrolmentRefusal::Expired};
        if (auto done =
                use_code_.reset().bind_blob(1, enrolment.code_hash).bind(2, enrolment.at).run();
            !done)
            return done.error();
        auto token = insert_token_.reset()
                         .bind(1, enrolment.token_selector)
                         .bind_blob(2, enrolment.token_hash)
                         .bind(3, to_string(Role::Device))
                         .bind(4, grant.org)
                         .bind(5, grant.site)
                         .bind(6, grant.device)
                         .bind(7, enrolment.at)
                         .run();
        if (!token) return token.error();
        grant.id = writer_.last_insert_rowid();
        if (auto bound = enrol_key_.reset()
                             .bind(1, grant.org)
                             .bind(2, grant.device)
                             .bind(3, enrolment.key)
                             .bind(4, enrolment.at)
                             .run();
            !bound)
            return bound.error();
        if (auto committed = transaction.value().commit(); !committed) return committed.error();
        return EnrolmentOutcome{std::move(grant)};
    }

    Result<std::int64_t> add_user(const User& user, std::string_view password_hash) override {
        std::lock_guard lock(write_mutex_);
        auto added = insert_user_.reset()
                         .bind(1, user.name)
                         .bind(2, to_string(user.role))
                         .bind(3, user.org)
                         .bind(4, password_hash)
                         .bind(5, user.created_at)
                         .step();
        if (!added) return added.error();
        if (!added.value()) return Error{"a user named " + user.name + " exists already"};
        auto id = insert_user_.integer(0);
        if (auto done = insert_user_.run(); !done) return done.error();
        return id;
    }

    Result<std::optional<UserCredentials>> find_user(std::string_view name) override {
        std::lock_guard lock(write_mutex_);
        auto found = find_user_.reset().bind(1, name).step();
        if (!found) return found.error();
        if (!found.value()) return std::optional<UserCredentials>{};
        auto user = read_user(find_user_);
        if (!user) return user.error();
        UserCredentials credentials{std::move(user.value()), std::string(find_user_.text(7))};
        find_user_.reset();
        return std::optional<UserCredentials>{std::move(credentials)};
    }

    Result<std::vector<User>> list_users() override {
        auto lease = readers_.lease();
        if (!lease) return lease.error();
        Statement select(lease.value()->connection(),
                         std::string("SELECT ") + kUserColumns + " FROM users ORDER BY name");
        std::vector<User> users;
        for (;;) {
            auto row = select.step();
            if (!row) return row.error();
            if (!row.value()) return users;
            auto user = read_user(select);
            if (!user) return user.error();
            users.push_back(std::move(user.value()));
        }
    }

    Result<bool> set_password(std::string_view name, std::string_view password_hash,
                              std::string_view changed_at) override {
        std::lock_guard lock(write_mutex_);
        auto done =
            set_password_.reset().bind(1, name).bind(2, password_hash).bind(3, changed_at).run();
        if (!done) return done.error();
        return writer_.changes() == 1;
    }

    Result<bool> disable_user(std::string_view name, std::string_view changed_at) override {
        std::lock_guard lock(write_mutex_);
        auto transaction = sqlite::Transaction::begin(writer_);
        if (!transaction) return transaction.error();
        if (auto done = disable_user_.reset().bind(1, name).bind(2, changed_at).run(); !done)
            return done.error();
        if (writer_.changes() != 1) return false;
        if (auto ended = end_user_sessions_.reset().bind(1, name).run(); !ended)
            return ended.error();
        if (auto committed = transaction.value().commit(); !committed) return committed.error();
        return true;
    }

    Status add_session(const NewSession& session) override {
        std::lock_guard lock(write_mutex_);
        return insert_session_.reset()
            .bind_blob(1, session.id_hash)
            .bind(2, session.user_id)
            .bind(3, session.csrf_secret)
            .bind(4, session.created_at)
            .run();
    }

    Result<std::optional<LiveSession>> use_session(const TokenHash& id_hash,
                                                   const SessionCutoffs& cutoffs) override {
        std::lock_guard lock(write_mutex_);
        // The one writer: nothing ends the session between finding and touching it.
        auto found = find_session_.reset()
                         .bind_blob(1, id_hash)
                         .bind(2, cutoffs.idle_before)
                         .bind(3, cutoffs.created_before)
                         .step();
        if (!found) return found.error();
        if (found.value()) {
            auto user = read_user(find_session_);
            if (!user) return user.error();
            LiveSession live{std::move(user.value()), std::string(find_session_.text(7)),
                             std::string(find_session_.text(8))};
            find_session_.reset();
            if (auto touched =
                    touch_session_.reset().bind_blob(1, id_hash).bind(2, cutoffs.now).run();
                !touched)
                return touched.error();
            return std::optional<LiveSession>{std::move(live)};
        }
        // Over (or gone): an expired session is not kept.
        if (auto ended = end_session_.reset().bind_blob(1, id_hash).run(); !ended)
            return ended.error();
        return std::optional<LiveSession>{};
    }

    Status end_session(const TokenHash& id_hash) override {
        std::lock_guard lock(write_mutex_);
        return end_session_.reset().bind_blob(1, id_hash).run();
    }

    Result<std::vector<std::string>> list_orgs() override {
        auto lease = readers_.lease();
        if (!lease) return lease.error();
        Statement select(lease.value()->connection(), kListOrgsSql);
        std::vector<std::string> orgs;
        for (;;) {
            auto row = select.step();
            if (!row) return row.error();
            if (!row.value()) return orgs;
            orgs.emplace_back(select.text(0));
        }
    }

    Result<std::optional<std::string>> last_complete_at_or_before(std::string_view org,
                                                                  std::string_view device,
                                                                  std::string_view key,
                                                                  std::int64_t seq) override {
        auto lease = readers_.lease();
        if (!lease) return lease.error();
        Statement select(lease.value()->connection(),
                         "SELECT submitted_at FROM responses WHERE org = ?1 AND device = ?2"
                         " AND key = ?3 AND seq <= ?4 AND complete ORDER BY seq DESC LIMIT 1");
        auto row = select.bind(1, org).bind(2, device).bind(3, key).bind(4, seq).step();
        if (!row) return row.error();
        if (!row.value()) return std::optional<std::string>{};
        return std::optional<std::string>{std::string(select.text(0))};
    }

    Status for_each_link(std::string_view org,
                         const std::function<void(const ChainLink&)>& visit) override {
        auto lease = readers_.lease();
        if (!lease) return lease.error();
        Statement select(lease.value()->connection(),
                         "SELECT device, key, seq, hash, prev_hash FROM responses"
                         " WHERE org = ?1 AND key IS NOT NULL");
        select.bind(1, org);
        ChainLink link;
        for (;;) {
            auto row = select.step();
            if (!row) return row.error();
            if (!row.value()) return Ok{};
            link.device = select.text(0);
            link.key = select.text(1);
            link.seq = select.integer(2);
            link.hash = select.text(3);
            link.prev_hash = select.text(4);
            visit(link);
        }
    }

    Result<std::map<std::string, std::int64_t>> late_arrivals(std::string_view org) override {
        auto lease = readers_.lease();
        if (!lease) return lease.error();
        Statement select(lease.value()->connection(),
                         "SELECT device, sum(late) FROM responses WHERE org = ?1 GROUP BY device");
        select.bind(1, org);
        std::map<std::string, std::int64_t> late;
        for (;;) {
            auto row = select.step();
            if (!row) return row.error();
            if (!row.value()) return late;
            late.emplace(select.text(0), select.integer(1));
        }
    }

    Status put_heartbeat(const DeviceHeartbeat& beat) override {
        const auto& h = beat.heartbeat;
        std::lock_guard lock(write_mutex_);
        put_heartbeat_.reset()
            .bind(1, beat.org)
            .bind(2, beat.device)
            .bind(3, beat.site)
            .bind(4, beat.received_at)
            .bind(5, h.version)
            .bind(6, h.uptime_s)
            .bind(7, h.waiting)
            .bind(8, h.refused)
            .bind_nullable(9, h.last_activity)
            .bind(10, h.free_disk_bytes);
        if (h.clock_offset_ms)
            put_heartbeat_.bind(11, *h.clock_offset_ms);
        else
            put_heartbeat_.bind(11, std::nullopt);
        return put_heartbeat_.run();
    }

    Result<std::vector<DeviceActivity>> device_activity(std::string_view org) override {
        auto lease = readers_.lease();
        if (!lease) return lease.error();
        auto& db = lease.value()->connection();
        DeviceSightings sightings;
        // Each query visits its rows with the statement positioned on one.
        auto each_row = [&](const char* sql, const std::function<void(Statement&)>& visit) {
            Statement select(db, sql);
            select.bind(1, org);
            for (;;) {
                auto row = select.step();
                if (!row) return Status(row.error());
                if (!row.value()) return Status(Ok{});
                visit(select);
            }
        };
        auto text = [](Statement& row, int column) { return std::string(row.text(column)); };
        for (auto read : {
                 each_row("SELECT device, site, received_at, version, uptime_s, waiting, refused,"
                          " last_activity, free_disk_bytes, clock_offset_ms"
                          " FROM device_heartbeats WHERE org = ?1",
                          [&](Statement& row) {
                              DeviceHeartbeat beat{
                                  std::string(org), text(row, 1), text(row, 0), text(row, 2), {}};
                              auto& h = beat.heartbeat;
                              h.version = text(row, 3);
                              h.uptime_s = row.integer(4);
                              h.waiting = row.integer(5);
                              h.refused = row.integer(6);
                              if (!row.is_null(7)) h.last_activity = text(row, 7);
                              h.free_disk_bytes = row.integer(8);
                              if (!row.is_null(9)) h.clock_offset_ms = row.integer(9);
                              sightings.heartbeats.push_back(std::move(beat));
                          }),
                 each_row(
                     "SELECT device, last_upload_at FROM device_uploads WHERE org = ?1",
                     [&](Statement& row) { sightings.last_uploads[text(row, 0)] = text(row, 1); }),
                 each_row("SELECT device, site, records FROM device_records WHERE org = ?1",
                          [&](Statement& row) {
                              sightings.records[text(row, 0)] = {text(row, 1), row.integer(2)};
                          }),
                 // Ordered by id: the newest token's site is the one kept.
                 each_row(
                     "SELECT device, site FROM tokens WHERE org = ?1 AND role = 'device'"
                     " ORDER BY id",
                     [&](Statement& row) { sightings.token_sites[text(row, 0)] = text(row, 1); }),
                 each_row("SELECT DISTINCT device FROM device_keys WHERE org = ?1",
                          [&](Statement& row) { sightings.key_devices.push_back(text(row, 0)); }),
             })
            if (!read) return read.error();
        return merge_device_sightings(std::move(sightings));
    }

    Result<std::int64_t> add_assessment(const SavedAssessment& assessment) override {
        std::lock_guard lock(write_mutex_);
        auto stored = insert_assessment_.reset()
                          .bind(1, assessment.org)
                          .bind(2, assessment.saved_by)
                          .bind(3, assessment.saved_at)
                          .bind(4, assessment.document)
                          .bind(5, std::int64_t{assessment.conformity_passed})
                          .bind(6, assessment.levels)
                          .bind(7, assessment.auditor)
                          .bind(8, assessment.assessed_on)
                          .bind(9, assessment.notes)
                          .run();
        if (!stored) return stored.error();
        return writer_.last_insert_rowid();
    }

    Result<std::vector<SavedAssessment>> assessments(std::string_view org,
                                                     std::size_t limit) override {
        auto lease = readers_.lease();
        if (!lease) return lease.error();
        Statement select(lease.value()->connection(),
                         "SELECT id, saved_by, saved_at, document, conformity_passed, levels,"
                         " auditor, assessed_on, notes FROM assessments WHERE org = ?1"
                         " ORDER BY id DESC LIMIT ?2");
        select.bind(1, org).bind(2, static_cast<std::int64_t>(limit));
        std::vector<SavedAssessment> saved;
        auto text = [&](int column) { return std::string(select.text(column)); };
        for (;;) {
            auto row = select.step();
            if (!row) return row.error();
            if (!row.value()) return saved;
            saved.push_back({select.integer(0), std::string(org), text(1), text(2), text(3),
                             select.integer(4) != 0, text(5), text(6), text(7), text(8)});
        }
    }

  private:
    // A row that starts with kUserColumns.
    static Result<User> read_user(const Statement& row) {
        auto role = parse_user_role(row.text(2));
        if (!role)
            return make_error(ErrorKind::Damaged,
                              "user row " + std::to_string(row.integer(0)) + " has no valid role");
        return User{row.integer(0),           std::string(row.text(1)), *role,
                    std::string(row.text(3)), row.integer(4) != 0,      std::string(row.text(5)),
                    std::string(row.text(6))};
    }

    static Result<std::vector<DeviceKey>> read_device_keys(Connection& db, std::string_view org,
                                                           std::optional<std::string_view> device) {
        Statement select(db,
                         "SELECT device, key, trusted, bound_at FROM device_keys WHERE org = ?1"
                         " AND (?2 IS NULL OR device = ?2) ORDER BY device, row");
        select.bind(1, org);
        if (device) select.bind(2, *device);
        std::vector<DeviceKey> keys;
        for (;;) {
            auto row = select.step();
            if (!row) return row.error();
            if (!row.value()) return keys;
            keys.push_back({std::string(select.text(0)), std::string(select.text(1)),
                            parse_key_trust(select.text(2)).value_or(KeyTrust::Admin),
                            std::string(select.text(3))});
        }
    }

    struct QueuedBatch {
        std::span<const StoredRecord> batch;
        std::string_view received_at;
        DayStateFolder& folder;
        std::optional<Result<std::vector<RecordOutcome>>> result;  // set under queue_mutex_
    };

    // The group's batches in one transaction, in arrival order; one result each.
    std::vector<Result<std::vector<RecordOutcome>>> write_group(
        const std::vector<QueuedBatch*>& group) {
        auto fail_all = [&](const Error& error) {
            return std::vector<Result<std::vector<RecordOutcome>>>(group.size(), error);
        };
        std::lock_guard lock(write_mutex_);
        auto transaction = sqlite::Transaction::begin(writer_);
        if (!transaction) return fail_all(transaction.error());
        auto written = write_batches(group);
        // Before the commit or the rollback, whichever comes: lets go of the batches'
        // strings the statements were bound to, and ends their reads. A statement left
        // stepping after a failed batch would hold this connection's read snapshot, and
        // once another connection wrote, every later BEGIN IMMEDIATE would fail as busy.
        for (auto* statement : {&insert_, &upgrade_, &stored_canonical_, &chain_highest_,
                                &read_day_, &write_day_, &note_upload_, &count_records_})
            statement->reset();
        if (!written) return fail_all(written.error());
        if (auto committed = transaction.value().commit(); !committed)
            return fail_all(committed.error());
        return {std::make_move_iterator(written.value().begin()),
                std::make_move_iterator(written.value().end())};
    }

    // The group's batches inside write_group's transaction: each one's outcomes, or the
    // first error (which fails the whole group).
    Result<std::vector<std::vector<RecordOutcome>>> write_batches(
        const std::vector<QueuedBatch*>& group) {
        std::vector<std::vector<RecordOutcome>> results;
        results.reserve(group.size());
        ChainHighs highs;
        for (const auto* queued : group) {
            std::vector<RecordOutcome> outcomes;
            std::vector<StoredInBatch> stored;
            outcomes.reserve(queued->batch.size());
            for (std::size_t i = 0; i < queued->batch.size(); ++i) {
                bool upgraded = false;
                auto outcome = insert(queued->batch[i], queued->received_at, highs, upgraded);
                if (!outcome) return outcome.error();
                outcomes.push_back(outcome.value());
                if (outcome.value() == RecordOutcome::Stored) stored.push_back({i, upgraded});
            }
            if (auto folded = fold_day_states(
                    queued->batch, stored, queued->folder,
                    [&](const DayKey& key) { return read_day_state(key); },
                    [&](const DayKey& key, std::string_view state) {
                        return bind_day(write_day_.reset(), key)
                            .bind_blob(5, as_bytes(state))
                            .run();
                    });
                !folded)
                return folded.error();
            if (auto counted = count_stored_records(queued->batch, stored,
                                                    [&](const DeviceRecordsAdded& added) {
                                                        return count_records_.reset()
                                                            .bind(1, added.org)
                                                            .bind(2, added.device)
                                                            .bind(3, added.site)
                                                            .bind(4, added.records)
                                                            .run();
                                                    });
                !counted)
                return counted.error();
            if (auto noted = note_uploads(queued->batch, outcomes,
                                          [&](const StoredRecord& record) {
                                              return note_upload_.reset()
                                                  .bind(1, record.org)
                                                  .bind(2, record.device)
                                                  .bind(3, record.site)
                                                  .bind(4, queued->received_at)
                                                  .run();
                                          });
                !noted)
                return noted.error();
            results.emplace_back(std::move(outcomes));
        }
        return results;
    }

    // The filter of the export and of the day states: ?1 org, ?2 site, ?3 and ?4 the
    // lower and upper bound (each NULL when open).
    static void bind_filter(Statement& statement, const std::string& org,
                            const std::optional<std::string>& site,
                            const std::optional<std::string>& lower,
                            const std::optional<std::string>& upper) {
        statement.bind(1, org).bind_nullable(2, site).bind_nullable(3, lower).bind_nullable(4,
                                                                                            upper);
    }

    // Never a null pointer: SQLite binds a null blob pointer as NULL, not as an empty
    // blob (a stale day's state).
    static std::span<const unsigned char> as_bytes(std::string_view bytes) {
        static constexpr unsigned char kEmpty = 0;
        if (bytes.empty()) return {&kEmpty, 0};
        return {reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()};
    }

    // The key's parameters (1–4) of the day-state statements.
    static Statement& bind_day(Statement& statement, const DayKey& key) {
        return statement.bind(1, key.org).bind(2, key.site).bind(3, key.device).bind(4, key.day);
    }

    Result<std::optional<std::string>> read_day_state(const DayKey& key) {
        auto row = bind_day(read_day_.reset(), key).step();
        if (!row) return row.error();
        if (!row.value()) return std::optional<std::string>{};
        auto state = read_day_.blob(0);
        return std::optional<std::string>{
            std::string(reinterpret_cast<const char*>(state.data()), state.size())};
    }

    // The highest seq the store holds for the record's chain.
    Result<std::int64_t> stored_chain_high(const StoredRecord& record) {
        auto row = chain_highest_.reset()
                       .bind(1, record.org)
                       .bind(2, record.device)
                       .bind(3, record.key)
                       .step();
        if (!row) return row.error();
        return chain_highest_.is_null(0) ? 0 : chain_highest_.integer(0);
    }

    // The parameters of sqlite_insert_response_sql (the upgrade uses the same numbers).
    // Unowned: the record and received_at outlive the step (the statements are reset
    // before the commit), and the copies SQLite would make are a measurable share of ingest.
    static Statement& bind_row(Statement& statement, const StoredRecord& record,
                               std::string_view received_at, bool late) {
        auto optional_text = [](const std::string& text) {
            return text.empty() ? std::nullopt : std::optional<std::string>(text);
        };
        return statement.bind_unowned(1, record.id)
            .bind_unowned(2, record.org)
            .bind_unowned(3, record.site)
            .bind_unowned(4, record.device)
            .bind(5, record.seq)
            .bind_unowned(6, record.submitted_at)
            .bind_unowned(7, received_at)
            .bind_unowned(8, record.canonical)
            .bind_unowned(9, record.server_flags)
            .bind_nullable(10, optional_text(record.key))
            .bind_nullable(11, optional_text(record.hash))
            .bind_nullable(12, optional_text(record.prev_hash))
            .bind(13, std::int64_t{record.complete})
            .bind(14, std::int64_t{late});
    }

    // One record inside ingest's transaction. The id is stored at most once:
    // when it is already there (from an earlier batch or earlier in this one),
    // the stored bytes decide between Duplicate, Conflict and the upgrade of an
    // unsigned row by its sealed version.
    // `upgraded` tells a Stored record that replaced an unsigned row from a new one.
    Result<RecordOutcome> insert(const StoredRecord& record, std::string_view received_at,
                                 ChainHighs& highs, bool& upgraded) {
        auto late = highs.arrives_late(
            record, [this](const StoredRecord& chained) { return stored_chain_high(chained); });
        if (!late) return late.error();
        if (auto inserted = bind_row(insert_.reset(), record, received_at, late.value()).run();
            !inserted)
            return inserted.error();
        if (writer_.changes() == 1) return RecordOutcome::Stored;
        auto row = stored_canonical_.reset().bind(1, record.id).step();
        if (!row) return row.error();
        if (!row.value())
            return make_error(ErrorKind::Internal,
                              "SQLite: id " + record.id + " neither inserted nor found");
        switch (compare_with_stored(record, stored_canonical_.text(0))) {
            case SameId::Duplicate:
                return RecordOutcome::Duplicate;
            case SameId::Conflict:
                return RecordOutcome::Conflict;
            case SameId::Upgrade:
                break;
        }
        if (auto updated = bind_row(upgrade_.reset(), record, received_at, late.value()).run();
            !updated)
            return updated.error();
        upgraded = writer_.changes() == 1;
        return upgraded ? RecordOutcome::Stored : RecordOutcome::Conflict;
    }

    std::mutex queue_mutex_;  // guards queue_, group_writing_ and QueuedBatch::result
    std::condition_variable group_written_;
    std::vector<QueuedBatch*> queue_;  // batches waiting for the next group commit
    bool group_writing_ = false;
    std::mutex write_mutex_;  // SQLite has one writer at a time; queue here, not in busy loops
    Connection writer_;
    Statement insert_;
    Statement stored_canonical_;
    Statement upgrade_;
    Statement chain_highest_;
    Statement read_day_;
    Statement write_day_;
    Statement replace_day_;
    Statement bind_key_;
    Statement pin_key_;
    Statement insert_token_;
    Statement revoke_token_;
    Statement put_heartbeat_;
    Statement note_upload_;
    Statement count_records_;
    Statement insert_code_;
    Statement find_code_;
    Statement use_code_;
    Statement enrol_key_;
    Statement insert_user_;
    Statement find_user_;
    Statement set_password_;
    Statement disable_user_;
    Statement end_user_sessions_;
    Statement insert_session_;
    Statement find_session_;
    Statement touch_session_;
    Statement end_session_;
    Statement insert_assessment_;
    ReaderPool readers_;
};

}  // namespace

Result<std::unique_ptr<ServerStore>> open_sqlite_store(std::string_view path) {
    std::string file(path);
    auto writer = Connection::open(file, {sqlite::Access::ReadWrite, kBusyTimeout});
    if (!writer) return writer.error();
    if (auto migrated = sqlite::migrate(writer.value(), sqlite_schema_versions()); !migrated) {
        auto error = migrated.error();
        if (error.kind == ErrorKind::TooNew)
            error.message += "; it was written by a newer cxserver: upgrade this one";
        return error;
    }
    auto store = std::make_unique<SqliteStore>(file, std::move(writer.value()));
    if (auto prepared = store->prepared(); !prepared) return prepared.error();
    return std::unique_ptr<ServerStore>(std::move(store));
}

}  // namespace cx
