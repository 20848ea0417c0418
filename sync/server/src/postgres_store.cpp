#include "cx/server/postgres_store.hpp"

#include <sodium.h>

#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "cx/postgres/array_literal.hpp"
#include "cx/postgres/connection.hpp"
#include "cx/postgres/migrate.hpp"
#include "cx/postgres/pool.hpp"
#include "cx/postgres/transaction.hpp"
#include "cx/server/schema_versions.hpp"
#include "ingest_rules.hpp"

namespace cx {

std::string_view postgres_insert_batch_sql() {
    return "INSERT INTO responses(id, org, site, device, seq, submitted_at, received_at, canonical,"
           " server_flags, key, hash, prev_hash, complete, late)"
           " SELECT id, org, site, device, seq, submitted_at, $7, canonical, server_flags, key,"
           " hash, prev_hash, complete, late"
           " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[],"
           " $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::boolean[],"
           " $14::boolean[]) AS batch(id, org, site, device, seq, submitted_at, canonical,"
           " server_flags, key, hash, prev_hash, complete, late)";
}

namespace {

using postgres::ArrayLiteral;
using postgres::Connection;
using postgres::Isolation;
using postgres::Param;
using postgres::Pool;
using postgres::Rows;
using postgres::Transaction;

// The per-device lock of ingest and first-key pinning: transaction-scoped, so it is
// let go at COMMIT or ROLLBACK, and shared by every instance on the database.
constexpr std::string_view kLockDevice =
    "SELECT pg_advisory_xact_lock(hashtextextended($1::text || '/' || $2::text, 0))";

// A stored id is skipped: settle_skipped decides what it was.
const std::string kInsertBatch =
    std::string(postgres_insert_batch_sql()) + " ON CONFLICT (id) DO NOTHING RETURNING id";

// Parameters: selector, hash (hex), role, org, site, device, created_at.
constexpr std::string_view kInsertToken =
    "INSERT INTO tokens(selector, hash, role, org, site, device, created_at)"
    " VALUES($1, decode($2, 'hex'), $3, $4, $5, $6, $7) RETURNING id";

// A transaction that lost a deadlock or a serialization conflict is tried again as it is.
constexpr int kBusyAttempts = 3;

// A device's last upload (GET …/devices), set in the ingest transaction.
constexpr std::string_view kNoteUpload =
    "INSERT INTO device_uploads(org, device, site, last_upload_at) VALUES($1, $2, $3, $4)"
    " ON CONFLICT(org, device) DO UPDATE SET site = excluded.site,"
    " last_upload_at = excluded.last_upload_at";

// A device's stored records (count_stored_records, GET …/devices), added in the ingest
// transaction; the device's lock is held, so its row is never updated by two at once.
constexpr std::string_view kCountRecords =
    "INSERT INTO device_records(org, device, site, records) VALUES($1, $2, $3, $4::bigint)"
    " ON CONFLICT(org, device) DO UPDATE SET"
    " site = greatest(device_records.site, excluded.site),"
    " records = device_records.records + excluded.records";

class PostgresStore final : public ServerStore {
  public:
    PostgresStore(std::string url, std::size_t connections) : pool_(std::move(url), connections) {}

    Result<std::vector<RecordOutcome>> ingest(std::span<const StoredRecord> batch,
                                              std::string_view received_at,
                                              DayStateFolder& folder) override {
        if (batch.empty()) return std::vector<RecordOutcome>{};
        auto lease = pool_.acquire();
        if (!lease) return lease.error();
        for (int attempt = 1;; ++attempt) {
            auto outcomes = ingest_once(*lease.value(), batch, received_at, folder);
            if (outcomes || outcomes.error().kind != ErrorKind::Busy || attempt == kBusyAttempts)
                return outcomes;
        }
    }

    Result<ExportPage> export_page(const ResponseQuery& query,
                                   const std::optional<ExportCursor>& after,
                                   std::size_t limit) override {
        // Only the filters given become SQL, so the planner sees a plain index range.
        std::string sql =
            "SELECT device, seq, id, canonical, server_flags FROM responses WHERE org = $1";
        std::vector<Param> params{query.org};
        auto add_filter = [&](std::string_view condition, std::string_view value) {
            params.emplace_back(value);
            sql += " AND " + std::string(condition) + " $" + std::to_string(params.size());
        };
        if (query.site) add_filter("site =", *query.site);
        if (query.from) add_filter("submitted_at >=", *query.from);
        if (query.to) add_filter("submitted_at <", *query.to);
        std::string seq;
        if (after) {
            seq = std::to_string(after->seq);
            params.insert(params.end(), {after->device, seq, after->id});
            const auto n = params.size();
            sql += " AND (device, seq, id) > ($" + std::to_string(n - 2) + ", $" +
                   std::to_string(n - 1) + "::bigint, $" + std::to_string(n) + ")";
        }
        const auto limit_text = std::to_string(limit);
        params.emplace_back(limit_text);
        sql += " ORDER BY device, seq, id LIMIT $" + std::to_string(params.size()) + "::bigint";

        auto rows = run(sql, params);
        if (!rows) return rows.error();
        ExportPage page;
        const auto& found = rows.value();
        page.lines.reserve(static_cast<std::size_t>(found.size()));
        page.server_flags.reserve(static_cast<std::size_t>(found.size()));
        for (int row = 0; row < found.size(); ++row) {
            page.lines.emplace_back(found.text(row, 3));
            page.server_flags.emplace_back(found.text(row, 4));
        }
        if (found.size() > 0 && static_cast<std::size_t>(found.size()) == limit) {
            const int last = found.size() - 1;
            page.next = ExportCursor{std::string(found.text(last, 0)), found.integer(last, 1),
                                     std::string(found.text(last, 2))};
        }
        return page;
    }

    Result<std::int64_t> add_token(std::string_view selector, const TokenHash& hash,
                                   const TokenGrant& grant, std::string_view created_at) override {
        auto rows = run(kInsertToken, {selector, to_hex(hash), to_string(grant.role), grant.org,
                                       grant.site, grant.device, created_at});
        if (!rows) return rows.error();
        return rows.value().integer(0, 0);
    }

    Result<std::optional<TokenRow>> find_token(std::string_view selector) override {
        auto rows =
            run("SELECT id, encode(hash, 'hex'), role, org, site, device FROM tokens"
                " WHERE selector = $1 AND revoked_at IS NULL",
                {selector});
        if (!rows) return rows.error();
        const auto& found = rows.value();
        if (found.empty()) return std::optional<TokenRow>{};
        TokenRow token;
        auto role = parse_role(found.text(0, 2));
        auto hash_hex = found.text(0, 1);
        std::size_t decoded = 0;
        if (!role || hash_hex.size() != 2 * token.hash.size() ||
            sodium_hex2bin(token.hash.data(), token.hash.size(), hash_hex.data(), hash_hex.size(),
                           nullptr, &decoded, nullptr) != 0 ||
            decoded != token.hash.size())
            return make_error(
                ErrorKind::Damaged,
                "PostgreSQL: token row " + std::string(found.text(0, 0)) + " is damaged");
        token.grant = {found.integer(0, 0), *role, std::string(found.text(0, 3)),
                       std::string(found.text(0, 4)), std::string(found.text(0, 5))};
        return std::optional<TokenRow>{std::move(token)};
    }

    Result<bool> revoke_token(std::int64_t id, std::string_view revoked_at) override {
        auto rows =
            run("UPDATE tokens SET revoked_at = $2 WHERE id = $1::bigint AND revoked_at IS NULL",
                {std::to_string(id), revoked_at});
        if (!rows) return rows.error();
        return rows.value().affected() == 1;
    }

    Result<std::vector<TokenListing>> list_tokens(std::optional<std::string_view> org) override {
        // An org name is never empty (TokenService refuses it): '' asks for all.
        auto rows =
            run("SELECT id, role, org, site, device, created_at, revoked_at FROM tokens"
                " WHERE $1 = '' OR org = $1 ORDER BY id",
                {org.value_or("")});
        if (!rows) return rows.error();
        const auto& found = rows.value();
        std::vector<TokenListing> tokens;
        for (int row = 0; row < found.size(); ++row) {
            auto role = parse_role(found.text(row, 1));
            if (!role)
                return make_error(
                    ErrorKind::Damaged,
                    "PostgreSQL: token row " + std::string(found.text(row, 0)) + " is damaged");
            TokenListing token{{found.integer(row, 0), *role, std::string(found.text(row, 2)),
                                std::string(found.text(row, 3)), std::string(found.text(row, 4))},
                               std::string(found.text(row, 5)),
                               {}};
            if (auto revoked = found.nullable_text(row, 6))
                token.revoked_at = std::string(*revoked);
            tokens.push_back(std::move(token));
        }
        return tokens;
    }

    Result<std::vector<DeviceKey>> device_keys(std::string_view org,
                                               std::optional<std::string_view> device) override {
        auto lease = pool_.acquire();
        if (!lease) return lease.error();
        return read_device_keys(*lease.value(), org, device);
    }

    Status bind_key(std::string_view org, std::string_view device, std::string_view key,
                    std::string_view bound_at) override {
        return execute(
            "INSERT INTO device_keys(org, device, key, trusted, bound_at)"
            " VALUES($1, $2, $3, 'admin', $4)"
            " ON CONFLICT(org, device, key) DO UPDATE SET trusted = 'admin'",
            {org, device, key, bound_at});
    }

    Result<std::vector<DeviceKey>> pin_first_key(std::string_view org, std::string_view device,
                                                 std::string_view key,
                                                 std::string_view pinned_at) override {
        auto lease = pool_.acquire();
        if (!lease) return lease.error();
        auto& db = *lease.value();
        Transaction transaction(db);
        if (!transaction.begun()) return transaction.begun().error();
        // Two first uploads at once (on two instances, too): the lock lets one pin.
        if (auto locked = db.query(kLockDevice, {org, device}); !locked) return locked.error();
        auto pinned = db.query(
            "INSERT INTO device_keys(org, device, key, trusted, bound_at)"
            " SELECT $1, $2, $3, 'tofu', $4 WHERE NOT EXISTS"
            " (SELECT 1 FROM device_keys WHERE org = $1 AND device = $2)",
            {org, device, key, pinned_at});
        if (!pinned) return pinned.error();
        auto keys = read_device_keys(db, org, device);
        if (!keys) return keys.error();
        if (auto committed = transaction.commit(); !committed) return committed.error();
        return keys;
    }

    Status add_enrolment_code(const EnrolmentCode& code) override {
        return execute(
            "INSERT INTO enrolment_codes(hash, org, site, device, created_at, expires_at)"
            " VALUES(decode($1, 'hex'), $2, $3, $4, $5, $6)",
            {to_hex(code.hash), code.org, code.site, code.device, code.created_at,
             code.expires_at});
    }

    Result<EnrolmentOutcome> enrol(const Enrolment& enrolment) override {
        auto lease = pool_.acquire();
        if (!lease) return lease.error();
        auto& db = *lease.value();
        Transaction transaction(db);
        if (!transaction.begun()) return transaction.begun().error();
        const auto code_hash = to_hex(enrolment.code_hash);
        // FOR UPDATE: of two enrolments with one code (on two instances, too), the
        // second waits for the first to commit and then reads the code as used.
        auto found = db.query(
            "SELECT org, site, device, expires_at, used_at FROM enrolment_codes"
            " WHERE hash = decode($1, 'hex') FOR UPDATE",
            {code_hash});
        if (!found) return found.error();
        const auto& code = found.value();
        if (code.empty()) return EnrolmentOutcome{EnrolmentRefusal::Unknown};
        if (!code.is_null(0, 4)) return EnrolmentOutcome{EnrolmentRefusal::Used};
        if (code.text(0, 3) <= enrolment.at) return EnrolmentOutcome{EnrolmentRefusal::Expired};
        TokenGrant grant{0, Role::Device, std::string(code.text(0, 0)),
                         std::string(code.text(0, 1)), std::string(code.text(0, 2))};
        auto used = db.query(
            "UPDATE enrolment_codes SET used_at = $2 WHERE hash = decode($1, 'hex')"
            " AND used_at IS NULL",
            {code_hash, enrolment.at});
        if (!used) return used.error();
        auto token = db.query(kInsertToken, {enrolment.token_selector, to_hex(enrolment.token_hash),
                                             to_string(Role::Device), grant.org, grant.site,
                                             grant.device, enrolment.at});
        if (!token) return token.error();
        grant.id = token.value().integer(0, 0);
        auto bound = db.query(
            "INSERT INTO device_keys(org, device, key, trusted, bound_at)"
            " VALUES($1, $2, $3, 'enrolled', $4) ON CONFLICT(org, device, key)"
            " DO UPDATE SET trusted = 'enrolled' WHERE device_keys.trusted = 'tofu'",
            {grant.org, grant.device, enrolment.key, enrolment.at});
        if (!bound) return bound.error();
        if (auto committed = transaction.commit(); !committed) return committed.error();
        return EnrolmentOutcome{std::move(grant)};
    }

    Result<std::int64_t> add_user(const User& user, std::string_view password_hash) override {
        auto rows =
            run("INSERT INTO users(name, role, org, password_hash, created_at, changed_at)"
                " VALUES($1, $2, $3, $4, $5, $5) ON CONFLICT(name) DO NOTHING RETURNING id",
                {user.name, to_string(user.role), user.org, password_hash, user.created_at});
        if (!rows) return rows.error();
        if (rows.value().empty()) return Error{"a user named " + user.name + " exists already"};
        return rows.value().integer(0, 0);
    }

    Result<std::optional<UserCredentials>> find_user(std::string_view name) override {
        auto rows = run(
            std::string("SELECT ") + kUserColumns + ", password_hash FROM users WHERE name = $1",
            {name});
        if (!rows) return rows.error();
        if (rows.value().empty()) return std::optional<UserCredentials>{};
        auto user = read_user(rows.value(), 0);
        if (!user) return user.error();
        return std::optional<UserCredentials>{
            UserCredentials{std::move(user.value()), std::string(rows.value().text(0, 7))}};
    }

    Result<std::vector<User>> list_users() override {
        auto rows = run(std::string("SELECT ") + kUserColumns + " FROM users ORDER BY name", {});
        if (!rows) return rows.error();
        std::vector<User> users;
        for (int row = 0; row < rows.value().size(); ++row) {
            auto user = read_user(rows.value(), row);
            if (!user) return user.error();
            users.push_back(std::move(user.value()));
        }
        return users;
    }

    Result<bool> set_password(std::string_view name, std::string_view password_hash,
                              std::string_view changed_at) override {
        auto rows = run("UPDATE users SET password_hash = $2, changed_at = $3 WHERE name = $1",
                        {name, password_hash, changed_at});
        if (!rows) return rows.error();
        return rows.value().affected() == 1;
    }

    Result<bool> disable_user(std::string_view name, std::string_view changed_at) override {
        auto lease = pool_.acquire();
        if (!lease) return lease.error();
        auto& db = *lease.value();
        Transaction transaction(db);
        if (!transaction.begun()) return transaction.begun().error();
        auto disabled =
            db.query("UPDATE users SET disabled = true, changed_at = $2 WHERE name = $1",
                     {name, changed_at});
        if (!disabled) return disabled.error();
        if (disabled.value().affected() != 1) return false;
        auto ended = db.query(
            "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE name = $1)", {name});
        if (!ended) return ended.error();
        if (auto committed = transaction.commit(); !committed) return committed.error();
        return true;
    }

    Status add_session(const NewSession& session) override {
        return execute(
            "INSERT INTO sessions(id_hash, user_id, csrf_secret, created_at, last_used_at)"
            " VALUES(decode($1, 'hex'), $2::bigint, $3, $4, $4)",
            {to_hex(session.id_hash), std::to_string(session.user_id), session.csrf_secret,
             session.created_at});
    }

    Result<std::optional<LiveSession>> use_session(const TokenHash& id_hash,
                                                   const SessionCutoffs& cutoffs) override {
        const auto hash = to_hex(id_hash);
        // One statement finds and touches it: a disable on another instance either ran
        // before (the session is gone) or waits for this row.
        auto used = run(std::string("UPDATE sessions SET last_used_at = $2 FROM users"
                                    " WHERE sessions.id_hash = decode($1, 'hex')"
                                    " AND users.id = sessions.user_id AND NOT users.disabled"
                                    " AND sessions.last_used_at > $3 AND sessions.created_at > $4"
                                    " RETURNING ") +
                            kUserColumns + ", sessions.csrf_secret, sessions.created_at",
                        {hash, cutoffs.now, cutoffs.idle_before, cutoffs.created_before});
        if (!used) return used.error();
        if (!used.value().empty()) {
            auto user = read_user(used.value(), 0);
            if (!user) return user.error();
            return std::optional<LiveSession>{LiveSession{std::move(user.value()),
                                                          std::string(used.value().text(0, 7)),
                                                          std::string(used.value().text(0, 8))}};
        }
        // Over (or gone): an expired session is not kept.
        if (auto ended = end_session(id_hash); !ended) return ended.error();
        return std::optional<LiveSession>{};
    }

    Status end_session(const TokenHash& id_hash) override {
        return execute("DELETE FROM sessions WHERE id_hash = decode($1, 'hex')", {to_hex(id_hash)});
    }

    Result<std::vector<std::string>> list_orgs() override {
        auto rows = run(kListOrgsSql, {});
        if (!rows) return rows.error();
        std::vector<std::string> orgs;
        for (int row = 0; row < rows.value().size(); ++row)
            orgs.emplace_back(rows.value().text(row, 0));
        return orgs;
    }

    Result<std::optional<std::string>> last_complete_at_or_before(std::string_view org,
                                                                  std::string_view device,
                                                                  std::string_view key,
                                                                  std::int64_t seq) override {
        auto rows =
            run("SELECT submitted_at FROM responses WHERE org = $1 AND device = $2 AND key = $3"
                " AND seq <= $4::bigint AND complete ORDER BY seq DESC LIMIT 1",
                {org, device, key, std::to_string(seq)});
        if (!rows) return rows.error();
        if (rows.value().empty()) return std::optional<std::string>{};
        return std::optional<std::string>{std::string(rows.value().text(0, 0))};
    }

    Status for_each_link(std::string_view org,
                         const std::function<void(const ChainLink&)>& visit) override {
        ChainLink link;
        return for_each_row(
            "SELECT device, key, seq, hash, prev_hash FROM responses"
            " WHERE org = $1 AND key IS NOT NULL",
            {org}, [&](const Rows& rows, int row) {
                link.device = rows.text(row, 0);
                link.key = rows.text(row, 1);
                link.seq = rows.integer(row, 2);
                link.hash = rows.text(row, 3);
                link.prev_hash = rows.text(row, 4);
                visit(link);
            });
    }

    Status for_each_day_state(const DayStateQuery& query,
                              const std::function<void(const DayStateRow&)>& visit) override {
        std::string sql =
            "SELECT site, device, day, encode(state, 'hex'), version FROM day_states"
            " WHERE org = $1";
        std::vector<Param> params{query.org};
        auto add_filter = [&](std::string_view condition, const std::optional<std::string>& value) {
            if (!value) return;
            params.emplace_back(*value);
            sql += " AND " + std::string(condition) + " $" + std::to_string(params.size());
        };
        add_filter("site =", query.site);
        add_filter("day >=", query.first_day);
        add_filter("day <", query.end_day);
        DayStateRow state;
        state.key.org = query.org;
        std::optional<Error> damaged;
        auto walked = for_each_row(sql, params, [&](const Rows& rows, int row) {
            state.key.site = rows.text(row, 0);
            state.key.device = rows.text(row, 1);
            state.key.day = rows.text(row, 2);
            if (!from_hex(rows.text(row, 3), state.state)) {
                if (!damaged)
                    damaged = make_error(ErrorKind::Damaged, "PostgreSQL: the day state of " +
                                                                 state.key.device + " on " +
                                                                 state.key.day + " is damaged");
                return;
            }
            state.version = rows.integer(row, 4);
            visit(state);
        });
        if (!walked) return walked;
        if (damaged) return *damaged;
        return Ok{};
    }

    Result<bool> replace_day_state(const DayKey& key, std::int64_t version,
                                   std::string_view state) override {
        auto rows = run(
            "UPDATE day_states SET state = decode($5, 'hex'), version = version + 1"
            " WHERE org = $1 AND site = $2 AND device = $3 AND day = $4 AND version = $6::bigint",
            {key.org, key.site, key.device, key.day, to_hex(state), std::to_string(version)});
        if (!rows) return rows.error();
        return rows.value().affected() == 1;
    }

    Result<std::map<std::string, std::int64_t>> late_arrivals(std::string_view org) override {
        auto rows =
            run("SELECT device, count(*) FILTER (WHERE late) FROM responses WHERE org = $1"
                " GROUP BY device",
                {org});
        if (!rows) return rows.error();
        std::map<std::string, std::int64_t> late;
        for (int row = 0; row < rows.value().size(); ++row)
            late.emplace(rows.value().text(row, 0), rows.value().integer(row, 1));
        return late;
    }

    Status put_heartbeat(const DeviceHeartbeat& beat) override {
        const auto& h = beat.heartbeat;
        const auto uptime = std::to_string(h.uptime_s), waiting = std::to_string(h.waiting),
                   refused = std::to_string(h.refused), free = std::to_string(h.free_disk_bytes);
        std::optional<std::string> offset;
        if (h.clock_offset_ms) offset = std::to_string(*h.clock_offset_ms);
        auto rows =
            run("INSERT INTO device_heartbeats(org, device, site, received_at, version, uptime_s,"
                " waiting, refused, last_activity, free_disk_bytes, clock_offset_ms)"
                " VALUES($1, $2, $3, $4, $5, $6::bigint, $7::bigint, $8::bigint, $9, $10::bigint,"
                " $11::bigint)"
                " ON CONFLICT(org, device) DO UPDATE SET site = excluded.site,"
                " received_at = excluded.received_at, version = excluded.version,"
                " uptime_s = excluded.uptime_s, waiting = excluded.waiting,"
                " refused = excluded.refused, last_activity = excluded.last_activity,"
                " free_disk_bytes = excluded.free_disk_bytes,"
                " clock_offset_ms = excluded.clock_offset_ms",
                {beat.org, beat.device, beat.site, beat.received_at, h.version, uptime, waiting,
                 refused, h.last_activity ? Param(*h.last_activity) : std::nullopt, free,
                 offset ? Param(*offset) : std::nullopt});
        if (!rows) return rows.error();
        return Ok{};
    }

    Result<std::vector<DeviceActivity>> device_activity(std::string_view org) override {
        auto lease = pool_.acquire();
        if (!lease) return lease.error();
        auto& db = *lease.value();
        DeviceSightings sightings;
        auto each_row = [&](std::string_view sql,
                            const std::function<void(const Rows&, int)>& visit) {
            auto rows = db.query(sql, {org});
            if (!rows) return Status(rows.error());
            for (int row = 0; row < rows.value().size(); ++row) visit(rows.value(), row);
            return Status(Ok{});
        };
        auto text = [](const Rows& rows, int row, int column) {
            return std::string(rows.text(row, column));
        };
        for (auto read : {
                 each_row("SELECT device, site, received_at, version, uptime_s, waiting, refused,"
                          " last_activity, free_disk_bytes, clock_offset_ms"
                          " FROM device_heartbeats WHERE org = $1",
                          [&](const Rows&rows, int row) {
                              DeviceHeartbeat beat{std::string(org),
                                                   text(rows, row, 1),
                                                   text(rows, row, 0),
                                                   text(rows, row, 2),
                                                   {}};
                              auto& h = beat.heartbeat;
                              h.version = text(rows, row, 3);
                              h.uptime_s = rows.integer(row, 4);
                              h.waiting = rows.integer(row, 5);
                              h.refused = rows.integer(row, 6);
                              if (!rows.is_null(row, 7)) h.last_activity = text(rows, row, 7);
                              h.free_disk_bytes = rows.integer(row, 8);
                              if (!rows.is_null(row, 9)) h.clock_offset_ms = rows.integer(row, 9);
                              sightings.heartbeats.push_back(std::move(beat));
                          }),
                 each_row("SELECT device, last_upload_at FROM device_uploads WHERE org = $1",
                          [&](const Rows&rows, int row) {
                              sightings.last_uploads[text(rows, row, 0)] = text(rows, row, 1);
                          }),
                 each_row("SELECT device, site, records FROM device_records WHERE org = $1",
                          [&](const Rows&rows, int row) {
                              sightings.records[text(rows, row, 0)] = {text(rows, row, 1),
                                                                       rows.integer(row, 2)};
                          }),
                 // Ordered by id: the newest token's site is the one kept.
                 each_row("SELECT device, site FROM tokens WHERE org = $1 AND role = 'device'"
                          " ORDER BY id",
                          [&](const Rows&rows, int row) {
                              sightings.token_sites[text(rows, row, 0)] = text(rows, row, 1);
                          }),
                 each_row("SELECT DISTINCT device FROM device_keys WHERE org = $1",
                          [&](const Rows&rows, int row) {
                              sightings.key_devices.push_back(text(rows, row, 0));
                          }),
             })
            if (!read) return read.error();
        return merge_device_sightings(std::move(sightings));
    }

    Result<std::int64_t> add_assessment(const SavedAssessment& assessment) override {
        auto rows =
            run("INSERT INTO assessments(org, saved_by, saved_at, document, conformity_passed,"
                " levels, auditor, assessed_on, notes)"
                " VALUES($1, $2, $3, $4, $5::boolean, $6, $7, $8, $9) RETURNING id",
                {assessment.org, assessment.saved_by, assessment.saved_at, assessment.document,
                 assessment.conformity_passed ? "t" : "f", assessment.levels, assessment.auditor,
                 assessment.assessed_on, assessment.notes});
        if (!rows) return rows.error();
        return rows.value().integer(0, 0);
    }

    Result<std::vector<SavedAssessment>> assessments(std::string_view org,
                                                     std::size_t limit) override {
        const auto limit_text = std::to_string(limit);
        auto rows =
            run("SELECT id, saved_by, saved_at, document, conformity_passed, levels, auditor,"
                " assessed_on, notes FROM assessments WHERE org = $1 ORDER BY id DESC"
                " LIMIT $2::bigint",
                {org, limit_text});
        if (!rows) return rows.error();
        const auto& found = rows.value();
        auto text = [&](int row, int column) { return std::string(found.text(row, column)); };
        std::vector<SavedAssessment> saved;
        for (int row = 0; row < found.size(); ++row)
            saved.push_back({found.integer(row, 0), std::string(org), text(row, 1), text(row, 2),
                             text(row, 3), found.text(row, 4) == "t", text(row, 5), text(row, 6),
                             text(row, 7), text(row, 8)});
        return saved;
    }

  private:
    // One statement on a pooled connection (its rows own their result: they outlive the lease).
    Result<Rows> run(std::string_view sql, const std::vector<Param>& params) {
        auto lease = pool_.acquire();
        if (!lease) return lease.error();
        return lease.value()->query(sql, params);
    }
    // A statement whose rows (if any) do not matter.
    Status execute(std::string_view sql, const std::vector<Param>& params) {
        auto rows = run(sql, params);
        if (!rows) return rows.error();
        return Ok{};
    }

    // A row that starts with kUserColumns.
    static Result<User> read_user(const Rows& rows, int row) {
        auto role = parse_user_role(rows.text(row, 2));
        if (!role)
            return make_error(
                ErrorKind::Damaged,
                "PostgreSQL: user row " + std::string(rows.text(row, 0)) + " has no valid role");
        return User{rows.integer(row, 0),
                    std::string(rows.text(row, 1)),
                    *role,
                    std::string(rows.text(row, 3)),
                    rows.text(row, 4) == "t",
                    std::string(rows.text(row, 5)),
                    std::string(rows.text(row, 6))};
    }

    // bytea travels as hex text (libpq's text format): encode()/decode() in the SQL.
    static std::string to_hex(std::string_view bytes) {
        std::string hex(2 * bytes.size() + 1, '\0');
        sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                       bytes.size());
        hex.pop_back();
        return hex;
    }
    static std::string to_hex(const TokenHash& hash) {
        return to_hex(std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
    }
    static bool from_hex(std::string_view hex, std::string& bytes) {
        bytes.resize(hex.size() / 2);
        std::size_t decoded = 0;
        return hex.size() % 2 == 0 &&
               sodium_hex2bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(),
                              hex.data(), hex.size(), nullptr, &decoded, nullptr) == 0 &&
               decoded == bytes.size();
    }

    // Every row of `select`, through a cursor in one snapshot: an org's records or
    // day states may be millions of rows, held a page at a time.
    Status for_each_row(std::string_view select, const std::vector<Param>& params,
                        const std::function<void(const Rows& rows, int row)>& visit) {
        auto lease = pool_.acquire();
        if (!lease) return lease.error();
        auto& db = *lease.value();
        Transaction transaction(db, Isolation::RepeatableRead);
        if (!transaction.begun()) return transaction.begun().error();
        auto declared =
            db.query("DECLARE cx_rows NO SCROLL CURSOR FOR " + std::string(select), params);
        if (!declared) return declared.error();
        for (;;) {
            auto page = db.query("FETCH 10000 FROM cx_rows");
            if (!page) return page.error();
            const auto& rows = page.value();
            if (rows.empty()) break;
            for (int row = 0; row < rows.size(); ++row) visit(rows, row);
        }
        return transaction.commit();
    }

    static Result<std::vector<DeviceKey>> read_device_keys(Connection& db, std::string_view org,
                                                           std::optional<std::string_view> device) {
        auto rows = db.query(
            "SELECT device, key, trusted, bound_at FROM device_keys WHERE org = $1"
            " AND ($2::text IS NULL OR device = $2) ORDER BY device, row",
            {org, device});
        if (!rows) return rows.error();
        std::vector<DeviceKey> keys;
        for (int row = 0; row < rows.value().size(); ++row)
            keys.push_back({std::string(rows.value().text(row, 0)),
                            std::string(rows.value().text(row, 1)),
                            parse_key_trust(rows.value().text(row, 2)).value_or(KeyTrust::Admin),
                            std::string(rows.value().text(row, 3))});
        return keys;
    }

    // One batch in one transaction: lock its devices, decide late arrivals against
    // the chains as stored, insert every row in one statement (the id index skips
    // those already there), then settle the skipped ones by their stored bytes.
    Result<std::vector<RecordOutcome>> ingest_once(Connection& db,
                                                   std::span<const StoredRecord> batch,
                                                   std::string_view received_at,
                                                   DayStateFolder& folder) {
        Transaction transaction(db);
        if (!transaction.begun()) return transaction.begun().error();
        // In one order everywhere, so two batches naming the same devices cannot deadlock.
        std::set<std::pair<std::string_view, std::string_view>> devices;
        for (const auto& record : batch) devices.emplace(record.org, record.device);
        for (const auto& [org, device] : devices)
            if (auto locked = db.query(kLockDevice, {org, device}); !locked) return locked.error();

        ChainHighs highs;
        auto stored_high = [&db](const StoredRecord& record) -> Result<std::int64_t> {
            auto rows = db.query(
                "SELECT coalesce(max(seq), 0) FROM responses WHERE org = $1 AND device = $2"
                " AND key = $3",
                {record.org, record.device, record.key});
            if (!rows) return rows.error();
            return rows.value().integer(0, 0);
        };
        std::vector<bool> late(batch.size());
        for (std::size_t i = 0; i < batch.size(); ++i) {
            auto arrives_late = highs.arrives_late(batch[i], stored_high);
            if (!arrives_late) return arrives_late.error();
            late[i] = arrives_late.value();
        }

        auto inserted = insert_rows(db, batch, received_at, late);
        if (!inserted) return inserted.error();
        std::vector<RecordOutcome> outcomes(batch.size(), RecordOutcome::Stored);
        std::vector<bool> upgraded(batch.size(), false);
        std::vector<std::size_t> skipped;
        for (std::size_t i = 0; i < batch.size(); ++i)
            if (inserted.value().erase(batch[i].id) == 0) skipped.push_back(i);
        if (!skipped.empty()) {
            auto settled =
                settle_skipped(db, batch, received_at, late, skipped, outcomes, upgraded);
            if (!settled) return settled.error();
        }
        std::vector<StoredInBatch> stored;
        for (std::size_t i = 0; i < batch.size(); ++i)
            if (outcomes[i] == RecordOutcome::Stored) stored.push_back({i, upgraded[i]});
        if (auto folded = fold_day_states(
                batch, stored, folder, [&](const DayKey& key) { return read_day_state(db, key); },
                [&](const DayKey& key, std::string_view state) {
                    return write_day_state(db, key, state);
                });
            !folded)
            return folded.error();
        if (auto counted = count_stored_records(
                batch, stored,
                [&](const DeviceRecordsAdded& added) -> Status {
                    auto rows = db.query(kCountRecords, {added.org, added.device, added.site,
                                                         std::to_string(added.records)});
                    if (!rows) return rows.error();
                    return Ok{};
                });
            !counted)
            return counted.error();
        if (auto noted = note_uploads(batch, outcomes,
                                      [&](const StoredRecord& record) -> Status {
                                          auto rows =
                                              db.query(kNoteUpload, {record.org, record.device,
                                                                     record.site, received_at});
                                          if (!rows) return rows.error();
                                          return Ok{};
                                      });
            !noted)
            return noted.error();
        if (auto committed = transaction.commit(); !committed) return committed.error();
        return outcomes;
    }

    // The ids the INSERT stored (an id twice in the batch: its first record).
    static Result<std::unordered_set<std::string>> insert_rows(Connection& db,
                                                               std::span<const StoredRecord> batch,
                                                               std::string_view received_at,
                                                               const std::vector<bool>& late) {
        if (auto prepared = db.prepare("cx_insert_batch", kInsertBatch); !prepared)
            return prepared.error();
        const auto texts = postgres_batch_parameters(batch, received_at, late);
        auto rows =
            db.run_prepared("cx_insert_batch", std::vector<Param>(texts.begin(), texts.end()));
        if (!rows) return rows.error();
        std::unordered_set<std::string> stored;
        for (int row = 0; row < rows.value().size(); ++row)
            stored.emplace(rows.value().text(row, 0));
        return stored;
    }

    // A day's state inside the ingest transaction (the device's lock is held).
    static Result<std::optional<std::string>> read_day_state(Connection& db, const DayKey& key) {
        auto rows = db.query(
            "SELECT encode(state, 'hex') FROM day_states"
            " WHERE org = $1 AND site = $2 AND device = $3 AND day = $4",
            {key.org, key.site, key.device, key.day});
        if (!rows) return rows.error();
        if (rows.value().empty()) return std::optional<std::string>{};
        std::string state;
        if (!from_hex(rows.value().text(0, 0), state))
            return make_error(ErrorKind::Damaged, "PostgreSQL: the day state of " + key.device +
                                                      " on " + key.day + " is damaged");
        return std::optional<std::string>{std::move(state)};
    }

    static Status write_day_state(Connection& db, const DayKey& key, std::string_view state) {
        auto rows = db.query(
            "INSERT INTO day_states(org, site, device, day, state)"
            " VALUES($1, $2, $3, $4, decode($5, 'hex')) ON CONFLICT (org, site, device, day)"
            " DO UPDATE SET state = excluded.state, version = day_states.version + 1",
            {key.org, key.site, key.device, key.day, to_hex(state)});
        if (!rows) return rows.error();
        return Ok{};
    }

    // Records whose id was stored already (before this batch, or earlier in it):
    // duplicates, conflicts, or the sealed version of an unsigned row, in batch order.
    static Status settle_skipped(Connection& db, std::span<const StoredRecord> batch,
                                 std::string_view received_at, const std::vector<bool>& late,
                                 const std::vector<std::size_t>& skipped,
                                 std::vector<RecordOutcome>& outcomes,
                                 std::vector<bool>& upgraded) {
        ArrayLiteral ids;
        for (auto i : skipped) ids.add(batch[i].id);
        auto rows = db.query("SELECT id, canonical FROM responses WHERE id = ANY($1::text[])",
                             {ids.finish()});
        if (!rows) return rows.error();
        std::unordered_map<std::string, std::string> stored;
        for (int row = 0; row < rows.value().size(); ++row)
            stored.emplace(rows.value().text(row, 0), rows.value().text(row, 1));
        for (auto i : skipped) {
            const auto& record = batch[i];
            auto found = stored.find(record.id);
            if (found == stored.end())
                return make_error(ErrorKind::Internal,
                                  "PostgreSQL: id " + record.id + " neither inserted nor found");
            switch (compare_with_stored(record, found->second)) {
                case SameId::Duplicate:
                    outcomes[i] = RecordOutcome::Duplicate;
                    continue;
                case SameId::Conflict:
                    outcomes[i] = RecordOutcome::Conflict;
                    continue;
                case SameId::Upgrade:
                    break;
            }
            auto updated = db.query(
                "UPDATE responses SET received_at = $2, canonical = $3, server_flags = $4,"
                " key = $5, hash = $6, prev_hash = $7, late = $8::boolean"
                " WHERE id = $1 AND key IS NULL",
                {record.id, received_at, record.canonical, record.server_flags, record.key,
                 record.hash, record.prev_hash, late[i] ? "t" : "f"});
            if (!updated) return updated.error();
            outcomes[i] =
                updated.value().affected() == 1 ? RecordOutcome::Stored : RecordOutcome::Conflict;
            if (outcomes[i] == RecordOutcome::Stored) {
                upgraded[i] = true;
                found->second = record.canonical;
            }
        }
        return Ok{};
    }

    Pool pool_;
};

}  // namespace

std::vector<std::string> postgres_batch_parameters(std::span<const StoredRecord> batch,
                                                   std::string_view received_at,
                                                   const std::vector<bool>& late) {
    ArrayLiteral ids, orgs, sites, devices, seqs, submitted, canonical, flags, keys, hashes,
        prev_hashes, complete, lates;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto& record = batch[i];
        ids.add(record.id);
        orgs.add(record.org);
        sites.add(record.site);
        devices.add(record.device);
        seqs.add(std::to_string(record.seq));
        submitted.add(record.submitted_at);
        canonical.add(record.canonical);
        flags.add(record.server_flags);
        keys.add_or_null(record.key);
        hashes.add_or_null(record.hash);
        prev_hashes.add_or_null(record.prev_hash);
        complete.add(record.complete ? "t" : "f");
        lates.add(late[i] ? "t" : "f");
    }
    return {ids.finish(),      orgs.finish(),      sites.finish(),           devices.finish(),
            seqs.finish(),     submitted.finish(), std::string(received_at), canonical.finish(),
            flags.finish(),    keys.finish(),      hashes.finish(),          prev_hashes.finish(),
            complete.finish(), lates.finish()};
}

Result<std::unique_ptr<ServerStore>> open_postgres_store(std::string_view url,
                                                         std::size_t connections) {
    std::string location(url);
    auto connection = Connection::open(location);
    if (!connection) return connection.error();
    if (auto migrated = postgres::migrate(connection.value(), postgres_schema_versions());
        !migrated) {
        auto error = migrated.error();
        if (error.kind == ErrorKind::TooNew)
            error.message += "; it was written by a newer cxserver";
        return error;
    }
    return std::unique_ptr<ServerStore>(
        std::make_unique<PostgresStore>(std::move(location), connections));
}

}  // namespace cx
