#include "cx/server/schema_versions.hpp"

#include <array>

namespace cx {

namespace {

// PostgreSQL's text columns that are compared or ordered use the "C" collation:
// byte order, as SQLite compares, so both backends export in the same order and
// select the same UTC timestamps (which order like the times they name).
constexpr std::array<SchemaStep, 9> kSteps{{
    // 1: responses and tokens.
    {R"sql(
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
     R"sql(
CREATE TABLE responses(
  row bigserial PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  org text COLLATE "C" NOT NULL,
  site text COLLATE "C" NOT NULL,
  device text COLLATE "C" NOT NULL,
  seq bigint NOT NULL,
  submitted_at text COLLATE "C" NOT NULL,
  received_at text NOT NULL,
  canonical text NOT NULL);
CREATE INDEX responses_by_org ON responses(org, device, seq, id);
CREATE TABLE tokens(
  id bigserial PRIMARY KEY,
  selector text COLLATE "C" NOT NULL UNIQUE,
  hash bytea NOT NULL,
  role text NOT NULL,
  org text NOT NULL,
  site text NOT NULL,
  device text NOT NULL,
  created_at text NOT NULL,
  revoked_at text);
)sql"},
    // 2: what the server itself noticed about a record (e.g. ["clock"]), kept
    // beside the kiosk's canonical bytes, never inside them.
    {R"sql(
ALTER TABLE responses ADD COLUMN server_flags TEXT NOT NULL DEFAULT '[]';
)sql",
     R"sql(
ALTER TABLE responses ADD COLUMN server_flags text NOT NULL DEFAULT '[]';
)sql"},
    // 3: sealed records (sync/PROTOCOL.md "Signed records"). Each row's place in its
    // device key's chain (NULL for rows stored unsigned before integrity), whether it
    // is complete (the server's burst flag looks for the previous complete record),
    // whether it arrived late (below its chain's highest seq), and the keys bound to
    // each device with how they came to be trusted.
    {R"sql(
ALTER TABLE responses ADD COLUMN key TEXT;
ALTER TABLE responses ADD COLUMN hash TEXT;
ALTER TABLE responses ADD COLUMN prev_hash TEXT;
ALTER TABLE responses ADD COLUMN complete INTEGER NOT NULL DEFAULT 1;
ALTER TABLE responses ADD COLUMN late INTEGER NOT NULL DEFAULT 0;
UPDATE responses SET complete = 0
  WHERE json_valid(canonical) AND json_extract(canonical, '$.status') = 'incomplete';
CREATE INDEX responses_by_chain ON responses(org, device, key, seq);
CREATE TABLE device_keys(
  row INTEGER PRIMARY KEY,
  org TEXT NOT NULL,
  device TEXT NOT NULL,
  key TEXT NOT NULL,
  trusted TEXT NOT NULL CHECK (trusted IN ('admin', 'tofu')),
  bound_at TEXT NOT NULL,
  UNIQUE (org, device, key));
)sql",
     R"sql(
ALTER TABLE responses ADD COLUMN key text COLLATE "C";
ALTER TABLE responses ADD COLUMN hash text;
ALTER TABLE responses ADD COLUMN prev_hash text;
ALTER TABLE responses ADD COLUMN complete boolean NOT NULL DEFAULT true;
ALTER TABLE responses ADD COLUMN late boolean NOT NULL DEFAULT false;
UPDATE responses SET complete = false WHERE canonical::jsonb ->> 'status' = 'incomplete';
CREATE INDEX responses_by_chain ON responses(org, device, key, seq);
CREATE TABLE device_keys(
  row bigserial PRIMARY KEY,
  org text COLLATE "C" NOT NULL,
  device text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  trusted text NOT NULL CHECK (trusted IN ('admin', 'tofu')),
  bound_at text NOT NULL,
  UNIQUE (org, device, key));
)sql"},
    // 4: day states (server_store.hpp "Day states"): per org, site, device and UTC day
    // the mergeable score state of its records, written in the ingest transaction;
    // and the records by time, for the partial first and last day of a score.
    // The rows already stored get their days marked stale (an empty state): the
    // migration knows no scoring config, so the first score over a day rebuilds it
    // from its records and puts it back.
    {R"sql(
CREATE TABLE day_states(
  row INTEGER PRIMARY KEY,
  org TEXT NOT NULL,
  site TEXT NOT NULL,
  device TEXT NOT NULL,
  day TEXT NOT NULL,
  state BLOB NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  UNIQUE (org, site, device, day));
CREATE INDEX day_states_by_day ON day_states(org, day);
CREATE INDEX responses_by_time ON responses(org, submitted_at);
INSERT INTO day_states(org, site, device, day, state)
  SELECT DISTINCT org, site, device, substr(submitted_at, 1, 10), x'' FROM responses;
)sql",
     R"sql(
CREATE TABLE day_states(
  row bigserial PRIMARY KEY,
  org text COLLATE "C" NOT NULL,
  site text COLLATE "C" NOT NULL,
  device text COLLATE "C" NOT NULL,
  day text COLLATE "C" NOT NULL,
  state bytea NOT NULL,
  version bigint NOT NULL DEFAULT 1,
  UNIQUE (org, site, device, day));
CREATE INDEX day_states_by_day ON day_states(org, day);
CREATE INDEX responses_by_time ON responses(org, submitted_at);
INSERT INTO day_states(org, site, device, day, state)
  SELECT DISTINCT org, site, device, substr(submitted_at, 1, 10), ''::bytea FROM responses;
)sql"},
    // 5: fleet health (sync/PROTOCOL.md "POST /api/v1/heartbeat", "…/devices"): each
    // device's latest heartbeat with the server's time of receipt, and when a batch of
    // it last stored or duplicated records. One row per device, replaced in place.
    {R"sql(
CREATE TABLE device_heartbeats(
  org TEXT NOT NULL,
  device TEXT NOT NULL,
  site TEXT NOT NULL,
  received_at TEXT NOT NULL,
  version TEXT NOT NULL,
  uptime_s INTEGER NOT NULL,
  waiting INTEGER NOT NULL,
  refused INTEGER NOT NULL,
  last_activity TEXT,
  free_disk_bytes INTEGER NOT NULL,
  clock_offset_ms INTEGER,
  PRIMARY KEY (org, device));
CREATE TABLE device_uploads(
  org TEXT NOT NULL,
  device TEXT NOT NULL,
  site TEXT NOT NULL,
  last_upload_at TEXT NOT NULL,
  PRIMARY KEY (org, device));
)sql",
     R"sql(
CREATE TABLE device_heartbeats(
  org text COLLATE "C" NOT NULL,
  device text COLLATE "C" NOT NULL,
  site text COLLATE "C" NOT NULL,
  received_at text NOT NULL,
  version text NOT NULL,
  uptime_s bigint NOT NULL,
  waiting bigint NOT NULL,
  refused bigint NOT NULL,
  last_activity text,
  free_disk_bytes bigint NOT NULL,
  clock_offset_ms bigint,
  PRIMARY KEY (org, device));
CREATE TABLE device_uploads(
  org text COLLATE "C" NOT NULL,
  device text COLLATE "C" NOT NULL,
  site text COLLATE "C" NOT NULL,
  last_upload_at text NOT NULL,
  PRIMARY KEY (org, device));
)sql"},
    // 6: enrolment by one-time code (sync/PROTOCOL.md "Enrolment"): each code's hash
    // (never the code), what it enrols and until when, and when it was used; a key
    // the kiosk sent with its code is trusted "enrolled". SQLite cannot change a
    // CHECK constraint in place, so its device_keys table is copied into a new one.
    {R"sql(
CREATE TABLE device_keys_v6(
  row INTEGER PRIMARY KEY,
  org TEXT NOT NULL,
  device TEXT NOT NULL,
  key TEXT NOT NULL,
  trusted TEXT NOT NULL CHECK (trusted IN ('admin', 'tofu', 'enrolled')),
  bound_at TEXT NOT NULL,
  UNIQUE (org, device, key));
INSERT INTO device_keys_v6(row, org, device, key, trusted, bound_at)
  SELECT row, org, device, key, trusted, bound_at FROM device_keys;
DROP TABLE device_keys;
ALTER TABLE device_keys_v6 RENAME TO device_keys;
CREATE TABLE enrolment_codes(
  row INTEGER PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE,
  org TEXT NOT NULL,
  site TEXT NOT NULL,
  device TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT);
)sql",
     R"sql(
ALTER TABLE device_keys DROP CONSTRAINT device_keys_trusted_check;
ALTER TABLE device_keys ADD CONSTRAINT device_keys_trusted_check
  CHECK (trusted IN ('admin', 'tofu', 'enrolled'));
CREATE TABLE enrolment_codes(
  row bigserial PRIMARY KEY,
  hash bytea NOT NULL UNIQUE,
  org text COLLATE "C" NOT NULL,
  site text COLLATE "C" NOT NULL,
  device text COLLATE "C" NOT NULL,
  created_at text NOT NULL,
  expires_at text COLLATE "C" NOT NULL,
  used_at text);
)sql"},
    // 7: people of the certifier's console and their sessions (README "The certifier's
    // console"): an Argon2id hash of each password, the hash of each session id (never
    // the id), the session's CSRF secret, and when it began and was last used.
    {R"sql(
CREATE TABLE users(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('certifier', 'viewer')),
  org TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  changed_at TEXT NOT NULL);
CREATE TABLE sessions(
  id_hash BLOB PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  csrf_secret TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_used_at TEXT NOT NULL);
CREATE INDEX sessions_by_user ON sessions(user_id);
)sql",
     R"sql(
CREATE TABLE users(
  id bigserial PRIMARY KEY,
  name text COLLATE "C" NOT NULL UNIQUE,
  role text NOT NULL CHECK (role IN ('certifier', 'viewer')),
  org text COLLATE "C" NOT NULL,
  password_hash text NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  created_at text NOT NULL,
  changed_at text NOT NULL);
CREATE TABLE sessions(
  id_hash bytea PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(id),
  csrf_secret text NOT NULL,
  created_at text COLLATE "C" NOT NULL,
  last_used_at text COLLATE "C" NOT NULL);
CREATE INDEX sessions_by_user ON sessions(user_id);
)sql"},
    // 8: management assessments (sync/PROTOCOL.md "Management assessment"): every save
    // a new row, never updated, with who saved it and when, the document as sent and
    // the fields parsed from it; the newest row of an org counts.
    {R"sql(
CREATE TABLE assessments(
  id INTEGER PRIMARY KEY,
  org TEXT NOT NULL,
  saved_by TEXT NOT NULL,
  saved_at TEXT NOT NULL,
  document TEXT NOT NULL,
  conformity_passed INTEGER NOT NULL,
  levels TEXT NOT NULL,
  auditor TEXT NOT NULL,
  assessed_on TEXT NOT NULL,
  notes TEXT NOT NULL);
CREATE INDEX assessments_by_org ON assessments(org, id);
)sql",
     R"sql(
CREATE TABLE assessments(
  id bigserial PRIMARY KEY,
  org text COLLATE "C" NOT NULL,
  saved_by text NOT NULL,
  saved_at text NOT NULL,
  document text NOT NULL,
  conformity_passed boolean NOT NULL,
  levels text NOT NULL,
  auditor text NOT NULL,
  assessed_on text NOT NULL,
  notes text NOT NULL);
CREATE INDEX assessments_by_org ON assessments(org, id);
)sql"},
    // 9: each device's stored records (GET …/devices): how many rows and the greatest
    // site among them, kept up to date by the ingest transaction (count_stored_records)
    // so the device list reads one row per device instead of counting every record.
    // The rows already stored are counted once here.
    {R"sql(
CREATE TABLE device_records(
  org TEXT NOT NULL,
  device TEXT NOT NULL,
  site TEXT NOT NULL,
  records INTEGER NOT NULL,
  PRIMARY KEY (org, device));
INSERT INTO device_records(org, device, site, records)
  SELECT org, device, max(site), count(*) FROM responses GROUP BY org, device;
)sql",
     R"sql(
CREATE TABLE device_records(
  org text COLLATE "C" NOT NULL,
  device text COLLATE "C" NOT NULL,
  site text COLLATE "C" NOT NULL,
  records bigint NOT NULL,
  PRIMARY KEY (org, device));
INSERT INTO device_records(org, device, site, records)
  SELECT org, device, max(site), count(*) FROM responses GROUP BY org, device;
)sql"},
}};

template <std::string_view SchemaStep::*Backend>
std::span<const std::string_view> scripts() {
    static const auto all = [] {
        std::array<std::string_view, kSteps.size()> list{};
        for (std::size_t i = 0; i < kSteps.size(); ++i) list[i] = kSteps[i].*Backend;
        return list;
    }();
    return all;
}

}  // namespace

std::span<const SchemaStep> server_schema_steps() {
    return kSteps;
}

std::span<const std::string_view> sqlite_schema_versions() {
    return scripts<&SchemaStep::sqlite>();
}

std::span<const std::string_view> postgres_schema_versions() {
    return scripts<&SchemaStep::postgres>();
}

}  // namespace cx
