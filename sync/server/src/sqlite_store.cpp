#include "cx/server/sqlite_store.hpp"

#include <sqlite3.h>

#include <cstring>
#include <mutex>

#include "cx/sync/sqlite_transaction.hpp"

namespace cx {

std::string_view sqlite_pragmas_sql() {
    // synchronous=FULL: a 200 tells the kiosk it may forget the records, so the
    // commit must be on disk before the reply.
    return "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;";
}

std::string_view sqlite_schema_sql() {
    return R"sql(
CREATE TABLE IF NOT EXISTS responses(
  row INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  org TEXT NOT NULL,
  site TEXT NOT NULL,
  device TEXT NOT NULL,
  seq INTEGER NOT NULL,
  submitted_at TEXT NOT NULL,
  received_at TEXT NOT NULL,
  canonical TEXT NOT NULL,
  server_flags TEXT NOT NULL DEFAULT '[]');
CREATE INDEX IF NOT EXISTS responses_by_org ON responses(org, device, seq, id);
CREATE TABLE IF NOT EXISTS tokens(
  id INTEGER PRIMARY KEY,
  selector TEXT NOT NULL UNIQUE,
  hash BLOB NOT NULL,
  role TEXT NOT NULL,
  org TEXT NOT NULL,
  site TEXT NOT NULL,
  device TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT);
PRAGMA user_version = 2;
)sql";
}

std::string_view sqlite_insert_response_sql() {
    return "INSERT INTO responses(id, org, site, device, seq, submitted_at, received_at, "
           "canonical, server_flags) "
           "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(id) DO NOTHING";
}

namespace {

std::string sqlite_error(sqlite3* db, std::string_view what) {
    return "SQLite: " + std::string(what) + ": " + sqlite3_errmsg(db);
}

struct ConnectionCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Connection = std::unique_ptr<sqlite3, ConnectionCloser>;

enum class Access { Writer, Reader };

Result<Connection> open_connection(const std::string& path, Access access) {
    sqlite3* raw = nullptr;
    int flags = access == Access::Writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                         : SQLITE_OPEN_READONLY;
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    Connection db(raw);
    if (rc != SQLITE_OK)
        return Error{"SQLite: cannot open " + path + ": " +
                     (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))};
    // Readers skip the journal_mode switch: it takes a lock and would queue
    // behind the writer's transactions.
    std::string pragmas(access == Access::Writer ? sqlite_pragmas_sql()
                                                 : "PRAGMA busy_timeout=10000;");
    if (sqlite3_exec(db.get(), pragmas.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
        return Error{sqlite_error(db.get(), "configuring " + path)};
    return db;
}

// A prepared statement, reset on every use so it can be kept.
class Statement {
  public:
    Statement(sqlite3* db, std::string_view sql) {
        sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt_, nullptr);
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    bool valid() const { return stmt_ != nullptr; }
    sqlite3_stmt* get() { return stmt_; }
    Statement& reset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
        return *this;
    }
    Statement& bind(int index, std::string_view text) {
        sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
        return *this;
    }
    Statement& bind(int index, std::int64_t value) {
        sqlite3_bind_int64(stmt_, index, value);
        return *this;
    }
    Statement& bind_blob(int index, const void* data, int size) {
        sqlite3_bind_blob(stmt_, index, data, size, SQLITE_STATIC);
        return *this;
    }
    int step() { return sqlite3_step(stmt_); }
    std::string_view text(int column) {
        auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
        return data ? std::string_view(data, sqlite3_column_bytes(stmt_, column))
                    : std::string_view{};
    }
    std::int64_t integer(int column) { return sqlite3_column_int64(stmt_, column); }

  private:
    sqlite3_stmt* stmt_ = nullptr;
};

// Read connections for concurrent exports and token look-ups (WAL lets them
// read while the writer commits).
class ReaderPool {
  public:
    explicit ReaderPool(std::string path) : path_(std::move(path)) {}

    class Lease {
      public:
        Lease(ReaderPool& pool, Connection db) : pool_(pool), db_(std::move(db)) {}
        ~Lease() {
            if (db_) pool_.give_back(std::move(db_));
        }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        sqlite3* get() const { return db_.get(); }

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
        auto db = open_connection(path_, Access::Reader);
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
          insert_(writer_.get(), sqlite_insert_response_sql()),
          stored_canonical_(writer_.get(), "SELECT canonical FROM responses WHERE id = ?1"),
          readers_(std::move(path)) {}

    bool valid() const { return insert_.valid() && stored_canonical_.valid(); }

    Result<std::vector<RecordOutcome>> ingest(std::span<const StoredRecord> batch,
                                              std::string_view received_at) override {
        std::lock_guard lock(write_mutex_);
        sqlite3* db = writer_.get();
        auto failed = [&](std::string_view what) {
            return make_error(ErrorKind::Store, sqlite_error(db, what));
        };
        SqliteTransaction transaction(db);
        if (!transaction.begun()) return failed("BEGIN");
        std::vector<RecordOutcome> outcomes;
        outcomes.reserve(batch.size());
        for (const auto& record : batch) {
            insert_.reset()
                .bind(1, record.id)
                .bind(2, record.org)
                .bind(3, record.site)
                .bind(4, record.device)
                .bind(5, record.seq)
                .bind(6, record.submitted_at)
                .bind(7, received_at)
                .bind(8, record.canonical)
                .bind(9, record.server_flags);
            if (insert_.step() != SQLITE_DONE) return failed("INSERT");
            if (sqlite3_changes(db) == 1) {
                outcomes.push_back(RecordOutcome::Stored);
                continue;
            }
            stored_canonical_.reset().bind(1, record.id);
            if (stored_canonical_.step() != SQLITE_ROW) return failed("SELECT canonical");
            outcomes.push_back(stored_canonical_.text(0) == record.canonical
                                   ? RecordOutcome::Duplicate
                                   : RecordOutcome::Conflict);
        }
        insert_.reset();
        stored_canonical_.reset();
        if (!transaction.commit()) return failed("COMMIT");
        return outcomes;
    }

    Result<ExportPage> export_page(const ResponseQuery& query,
                                   const std::optional<ExportCursor>& after,
                                   std::size_t limit) override {
        auto lease = readers_.lease();
        if (!lease) return lease.error();
        sqlite3* db = lease.value()->get();
        // Optional filters are written as "?N IS NULL OR …" so one statement serves all.
        Statement select(db,
                         "SELECT device, seq, id, canonical FROM responses WHERE org = ?1"
                         " AND (?2 IS NULL OR site = ?2)"
                         " AND (?3 IS NULL OR submitted_at >= ?3)"
                         " AND (?4 IS NULL OR submitted_at < ?4)"
                         " AND (?5 IS NULL OR (device, seq, id) > (?5, ?6, ?7))"
                         " ORDER BY device, seq, id LIMIT ?8");
        if (!select.valid()) return Error{sqlite_error(db, "preparing export")};
        select.bind(1, query.org);
        if (query.site) select.bind(2, *query.site);
        if (query.from) select.bind(3, *query.from);
        if (query.to) select.bind(4, *query.to);
        if (after) select.bind(5, after->device).bind(6, after->seq).bind(7, after->id);
        select.bind(8, static_cast<std::int64_t>(limit));
        ExportPage page;
        ExportCursor last;
        int rc;
        while ((rc = select.step()) == SQLITE_ROW) {
            last = {std::string(select.text(0)), select.integer(1), std::string(select.text(2))};
            page.lines.emplace_back(select.text(3));
        }
        if (rc != SQLITE_DONE) return Error{sqlite_error(db, "reading responses")};
        if (page.lines.size() == limit) page.next = std::move(last);
        return page;
    }

    Result<std::int64_t> add_token(std::string_view selector, const TokenHash& hash,
                                   const TokenGrant& grant, std::string_view created_at) override {
        std::lock_guard lock(write_mutex_);
        sqlite3* db = writer_.get();
        Statement insert(db,
                         "INSERT INTO tokens(selector, hash, role, org, site, device, created_at)"
                         " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        insert.bind(1, selector)
            .bind_blob(2, hash.data(), static_cast<int>(hash.size()))
            .bind(3, to_string(grant.role))
            .bind(4, grant.org)
            .bind(5, grant.site)
            .bind(6, grant.device)
            .bind(7, created_at);
        if (insert.step() != SQLITE_DONE) return Error{sqlite_error(db, "storing token")};
        return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db));
    }

    Result<std::optional<TokenRow>> find_token(std::string_view selector) override {
        auto lease = readers_.lease();
        if (!lease) return lease.error();
        sqlite3* db = lease.value()->get();
        Statement select(db,
                         "SELECT id, hash, role, org, site, device FROM tokens"
                         " WHERE selector = ?1 AND revoked_at IS NULL");
        select.bind(1, selector);
        int rc = select.step();
        if (rc == SQLITE_DONE) return std::optional<TokenRow>{};
        if (rc != SQLITE_ROW) return Error{sqlite_error(db, "reading token")};
        TokenRow row;
        auto role = parse_role(select.text(2));
        if (!role || sqlite3_column_bytes(select.get(), 1) != static_cast<int>(row.hash.size()))
            return Error{"SQLite: token row " + std::to_string(select.integer(0)) + " is damaged"};
        std::memcpy(row.hash.data(), sqlite3_column_blob(select.get(), 1), row.hash.size());
        row.grant = {select.integer(0), *role, std::string(select.text(3)),
                     std::string(select.text(4)), std::string(select.text(5))};
        return std::optional<TokenRow>{std::move(row)};
    }

    Result<bool> revoke_token(std::int64_t id, std::string_view revoked_at) override {
        std::lock_guard lock(write_mutex_);
        sqlite3* db = writer_.get();
        Statement update(db,
                         "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL");
        update.bind(1, id).bind(2, revoked_at);
        if (update.step() != SQLITE_DONE) return Error{sqlite_error(db, "revoking token")};
        return sqlite3_changes(db) == 1;
    }

  private:
    std::mutex write_mutex_;  // SQLite has one writer at a time; queue here, not in busy loops
    Connection writer_;
    Statement insert_;
    Statement stored_canonical_;
    ReaderPool readers_;
};

Status add_server_flags_to_schema_1(sqlite3* db) {
    Statement version(db, "PRAGMA user_version");
    if (!version.valid() || version.step() != SQLITE_ROW)
        return make_error(ErrorKind::Store, sqlite_error(db, "reading the schema version"));
    if (version.integer(0) != 1) return Ok{};
    constexpr const char* kAddColumn =
        "ALTER TABLE responses ADD COLUMN server_flags TEXT NOT NULL DEFAULT '[]'";
    if (sqlite3_exec(db, kAddColumn, nullptr, nullptr, nullptr) != SQLITE_OK)
        return make_error(ErrorKind::Store, sqlite_error(db, "migrating to schema 2"));
    return Ok{};
}

}  // namespace

Result<std::unique_ptr<ServerStore>> open_sqlite_store(std::string_view path) {
    std::string file(path);
    auto writer = open_connection(file, Access::Writer);
    if (!writer) return writer.error();
    // Schema 1 lacks server_flags; the rest of the schema is created if missing.
    if (auto upgraded = add_server_flags_to_schema_1(writer.value().get()); !upgraded)
        return upgraded.error();
    std::string schema(sqlite_schema_sql());
    if (sqlite3_exec(writer.value().get(), schema.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
        return Error{sqlite_error(writer.value().get(), "creating schema in " + file)};
    auto store = std::make_unique<SqliteStore>(file, std::move(writer.value()));
    if (!store->valid()) return Error{"SQLite: cannot prepare statements on " + file};
    return std::unique_ptr<ServerStore>(std::move(store));
}

}  // namespace cx
