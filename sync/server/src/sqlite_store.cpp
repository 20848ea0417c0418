#include "cx/server/sqlite_store.hpp"

#include <array>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>

#include "cx/sqlite/connection.hpp"
#include "cx/sqlite/migrate.hpp"
#include "cx/sqlite/statement.hpp"
#include "cx/sqlite/transaction.hpp"

namespace cx {

namespace {

// synchronous=FULL (in every writer's pragmas): a 200 tells the kiosk it may
// forget the records, so the commit must be on disk before the reply.
constexpr std::chrono::milliseconds kBusyTimeout{10000};

constexpr std::array<std::string_view, 2> kSchemaVersions{
    // 1: responses and tokens.
    R"sql(
CREATE TABLE responses(
  row INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  org TEXT NOT NULL,
  site TEXT NOT NULL,
  device TEXT NOT NULL,
  seq INTEGER NOT NULL,
  submitted_at TEXT NOT NULL,
  received_at TEXT NOT NULL,
  canonical TEXT NOT NULL);
CREATE INDEX responses_by_org ON responses(org, device, seq, id);
CREATE TABLE tokens(
  id INTEGER PRIMARY KEY,
  selector TEXT NOT NULL UNIQUE,
  hash BLOB NOT NULL,
  role TEXT NOT NULL,
  org TEXT NOT NULL,
  site TEXT NOT NULL,
  device TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT);
)sql",
    // 2: what the server itself noticed about a record (e.g. ["clock"]), kept
    // beside the kiosk's canonical bytes, never inside them.
    R"sql(
ALTER TABLE responses ADD COLUMN server_flags TEXT NOT NULL DEFAULT '[]';
)sql",
};

}  // namespace

std::string sqlite_pragmas_sql() {
    return sqlite::Connection::writer_pragmas_sql(kBusyTimeout);
}

std::span<const std::string_view> sqlite_schema_versions() {
    return kSchemaVersions;
}

std::string sqlite_schema_sql() {
    std::string script;
    for (auto version : kSchemaVersions) script += version;
    return script;
}

std::string_view sqlite_insert_response_sql() {
    return "INSERT INTO responses(id, org, site, device, seq, submitted_at, received_at, "
           "canonical, server_flags) "
           "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(id) DO NOTHING";
}

namespace {

using sqlite::Connection;
using sqlite::Statement;

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
          insert_token_(writer_,
                        "INSERT INTO tokens(selector, hash, role, org, site, device, created_at)"
                        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
          revoke_token_(writer_,
                        "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL"),
          readers_(std::move(path)) {}

    Status prepared() const {
        return sqlite::all_prepared({&insert_, &stored_canonical_, &insert_token_, &revoke_token_});
    }

    // Group commit: batches that arrive while a transaction is being written
    // wait, and the next one to go writes them all in one transaction (one
    // fsync for several uploads, which is what the single SQLite writer spends
    // most of its time on). Each caller returns only after the commit that holds
    // its batch; a failed commit fails every batch of its group, none half.
    Result<std::vector<RecordOutcome>> ingest(std::span<const StoredRecord> batch,
                                              std::string_view received_at) override {
        QueuedBatch mine{batch, received_at, std::nullopt};
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
        // Optional filters are written as "?N IS NULL OR …" so one statement serves all.
        Statement select(lease.value()->connection(),
                         "SELECT device, seq, id, canonical FROM responses WHERE org = ?1"
                         " AND (?2 IS NULL OR site = ?2)"
                         " AND (?3 IS NULL OR submitted_at >= ?3)"
                         " AND (?4 IS NULL OR submitted_at < ?4)"
                         " AND (?5 IS NULL OR (device, seq, id) > (?5, ?6, ?7))"
                         " ORDER BY device, seq, id LIMIT ?8");
        select.bind(1, query.org)
            .bind_nullable(2, query.site)
            .bind_nullable(3, query.from)
            .bind_nullable(4, query.to);
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
        }
        if (page.lines.size() == limit) page.next = std::move(last);
        return page;
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

  private:
    struct QueuedBatch {
        std::span<const StoredRecord> batch;
        std::string_view received_at;
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
        std::vector<Result<std::vector<RecordOutcome>>> results;
        results.reserve(group.size());
        for (const auto* queued : group) {
            std::vector<RecordOutcome> outcomes;
            outcomes.reserve(queued->batch.size());
            for (const auto& record : queued->batch) {
                auto outcome = insert(record, queued->received_at);
                if (!outcome) return fail_all(outcome.error());
                outcomes.push_back(outcome.value());
            }
            results.emplace_back(std::move(outcomes));
        }
        insert_.reset();            // lets go of the batches' strings it was bound to
        stored_canonical_.reset();  // ends its read before the commit
        if (auto committed = transaction.value().commit(); !committed)
            return fail_all(committed.error());
        return results;
    }

    // One record inside ingest's transaction. The id is stored at most once:
    // when it is already there (from an earlier batch or earlier in this one),
    // the stored bytes decide between Duplicate and Conflict.
    Result<RecordOutcome> insert(const StoredRecord& record, std::string_view received_at) {
        // Unowned: the record and received_at outlive the step, and the copies
        // SQLite would make are a measurable share of ingest.
        auto inserted = insert_.reset()
                            .bind_unowned(1, record.id)
                            .bind_unowned(2, record.org)
                            .bind_unowned(3, record.site)
                            .bind_unowned(4, record.device)
                            .bind(5, record.seq)
                            .bind_unowned(6, record.submitted_at)
                            .bind_unowned(7, received_at)
                            .bind_unowned(8, record.canonical)
                            .bind_unowned(9, record.server_flags)
                            .run();
        if (!inserted) return inserted.error();
        if (writer_.changes() == 1) return RecordOutcome::Stored;
        auto row = stored_canonical_.reset().bind(1, record.id).step();
        if (!row) return row.error();
        if (!row.value())
            return make_error(ErrorKind::Internal,
                              "SQLite: id " + record.id + " neither inserted nor found");
        return stored_canonical_.text(0) == record.canonical ? RecordOutcome::Duplicate
                                                             : RecordOutcome::Conflict;
    }

    std::mutex queue_mutex_;  // guards queue_, group_writing_ and QueuedBatch::result
    std::condition_variable group_written_;
    std::vector<QueuedBatch*> queue_;  // batches waiting for the next group commit
    bool group_writing_ = false;
    std::mutex write_mutex_;  // SQLite has one writer at a time; queue here, not in busy loops
    Connection writer_;
    Statement insert_;
    Statement stored_canonical_;
    Statement insert_token_;
    Statement revoke_token_;
    ReaderPool readers_;
};

}  // namespace

Result<std::unique_ptr<ServerStore>> open_sqlite_store(std::string_view path) {
    std::string file(path);
    auto writer = Connection::open(file, {sqlite::Access::ReadWrite, kBusyTimeout});
    if (!writer) return writer.error();
    if (auto migrated = sqlite::migrate(writer.value(), kSchemaVersions); !migrated) {
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
