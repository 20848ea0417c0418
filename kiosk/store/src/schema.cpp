#include "cx/kiosk/store_schema.hpp"

#include <array>

namespace cx::kiosk {

namespace {

constexpr std::array<std::string_view, 4> kVersions{
    // 1: responses and their answers (evidence: never updated, never deleted),
    // the last sync result and the audit log.
    R"sql(
CREATE TABLE responses (
    id           TEXT    NOT NULL UNIQUE,
    device       TEXT    NOT NULL,
    seq          INTEGER NOT NULL CHECK (seq >= 1),
    status       TEXT    NOT NULL CHECK (status IN ('complete', 'incomplete')),
    submitted_ms INTEGER NOT NULL,          -- wall clock, for the burst flag
    record       TEXT    NOT NULL,          -- canonical JSON line, as signed/uploaded
    sent_at      TEXT,                      -- UTC when the server acknowledged it
    UNIQUE (device, seq)
);
CREATE INDEX responses_unsent ON responses (device, seq) WHERE sent_at IS NULL;
CREATE TABLE answers (
    response_id TEXT NOT NULL REFERENCES responses (id),
    item        TEXT NOT NULL,
    level       INTEGER CHECK (level IS NULL OR level BETWEEN 1 AND 5),  -- NULL: N/A
    PRIMARY KEY (response_id, item)
) WITHOUT ROWID;
CREATE TABLE sync_state (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    at          TEXT    NOT NULL,
    ok          INTEGER NOT NULL,
    http_status INTEGER NOT NULL,
    sent        INTEGER NOT NULL,
    remaining   INTEGER NOT NULL,
    detail      TEXT    NOT NULL
);
CREATE TABLE audit_log (
    at     TEXT NOT NULL,
    event  TEXT NOT NULL,
    detail TEXT NOT NULL
);
-- Evidence: a response is never edited or removed, only its upload state changes.
CREATE TRIGGER responses_never_deleted BEFORE DELETE ON responses
BEGIN SELECT RAISE(ABORT, 'responses are never deleted'); END;
CREATE TRIGGER responses_immutable
BEFORE UPDATE OF id, device, seq, status, submitted_ms, record ON responses
BEGIN SELECT RAISE(ABORT, 'responses are immutable'); END;
CREATE TRIGGER answers_never_deleted BEFORE DELETE ON answers
BEGIN SELECT RAISE(ABORT, 'answers are never deleted'); END;
CREATE TRIGGER answers_immutable BEFORE UPDATE ON answers
BEGIN SELECT RAISE(ABORT, 'answers are immutable'); END;
)sql",
    // 2: staff mode — PIN hash and lockout survive restarts.
    R"sql(
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
)sql",
    // 3: the upload state. A record the server refuses is kept with the
    // server's reason and not offered again until staff ask; a retry makes it
    // waiting again but keeps the reason (the latest refusal is never erased).
    R"sql(
ALTER TABLE responses ADD COLUMN upload_state TEXT NOT NULL DEFAULT 'waiting'
    CHECK (upload_state IN ('waiting', 'sent', 'refused'));
ALTER TABLE responses ADD COLUMN refusal_code TEXT;
ALTER TABLE responses ADD COLUMN refusal_detail TEXT;
ALTER TABLE responses ADD COLUMN refused_at TEXT;
UPDATE responses SET upload_state = 'sent' WHERE sent_at IS NOT NULL;
DROP INDEX responses_unsent;
CREATE INDEX responses_waiting ON responses (device, seq) WHERE upload_state = 'waiting';
CREATE INDEX responses_refused ON responses (refused_at) WHERE upload_state = 'refused';
CREATE TRIGGER refusals_kept
BEFORE UPDATE OF refusal_code, refusal_detail, refused_at ON responses
WHEN OLD.refusal_code IS NOT NULL AND NEW.refusal_code IS NULL
BEGIN SELECT RAISE(ABORT, 'a refusal is never erased'); END;
ALTER TABLE sync_state ADD COLUMN refused INTEGER NOT NULL DEFAULT 0;
)sql",
    // 4: sealed records (sync/PROTOCOL.md "Signed records"). record_hash is the SHA-256 of
    // the record's signing bytes, the next record's prev_hash: the chain head is one row.
    // responses_immutable is dropped here only for the migration's hook
    // (seal_unsigned_records), which seals the records written before, sets those already
    // sent back to waiting and recreates the trigger over record_hash too, all in this
    // migration's transaction.
    R"sql(
ALTER TABLE responses ADD COLUMN record_hash TEXT CHECK (record_hash IS NULL OR length(record_hash) = 64);
DROP TRIGGER responses_immutable;
CREATE TRIGGER responses_sealed BEFORE INSERT ON responses
WHEN NEW.record_hash IS NULL
BEGIN SELECT RAISE(ABORT, 'responses are sealed when they are written'); END;
)sql",
};

}  // namespace

std::span<const std::string_view> kiosk_schema_versions() {
    return kVersions;
}

}  // namespace cx::kiosk
