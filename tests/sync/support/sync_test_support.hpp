#pragma once
// Helpers shared by the sync tests and benchmarks: generated records, an
// in-memory Outbox (the kiosk's real store lives in kiosk/), the real cxserver
// as a child process, and a TCP proxy that can lose replies.
#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cx/integrity/seal.hpp"
#include "cx/scoring/response.hpp"
#include "cx/sync/outbox.hpp"
#include "cx/sync/upload_client.hpp"

namespace cx::test {

// A valid canonical record, unsigned (as written before integrity); id and answers
// derive from (device, seq).
Response make_unsigned_response(std::string_view org, std::string_view site,
                                std::string_view device, std::int64_t seq);

// The key test records are sealed with: the published vectors' test key (seed 00 01 … 1f).
const integrity::SigningKey& test_signing_key();
// Another key for tests: the one whose 32-byte seed is `fill` repeated.
integrity::SigningKey key_from_seed_byte(unsigned char fill);
// make_unsigned_response sealed under `key` as seq `seq` of the device's one chain
// (prev_hash the hash of the same device's seq − 1, so records made in any order
// and any batches link up). Under a key other than the test key, the ids differ
// from the test key's (a re-installed kiosk's records are new records).
Response make_response(std::string_view org, std::string_view site, std::string_view device,
                       std::int64_t seq, const integrity::SigningKey& key = test_signing_key());
// make_response lines of seq first_seq … first_seq + count − 1.
std::vector<PendingRecord> make_records(std::string_view org, std::string_view site,
                                        std::string_view device, std::int64_t first_seq,
                                        std::size_t count,
                                        const integrity::SigningKey& key = test_signing_key());
// Seals a record changed after make_response again (same key and prev_hash).
void reseal(Response& record, const integrity::SigningKey& key = test_signing_key());

// One device's sealed chain spread over several days: seq s about 77 minutes after
// s − 1 (from 2025-11-24T02:00Z), except every 10th only 4 s after it (the server
// flags it burst when both are complete); every 13th taken in 5 s (the server flags
// it speeder), every 11th flagged speeder by the kiosk, every 9th abandoned. With
// `kiosk_flags_as_server`, the kiosk flags burst and speeder where the server does,
// so `cxscore` over an export (which carries only the kiosk's flags) scores as the
// server does. `unsealed` keeps each record before its seal.
struct SpreadChain {
    SpreadChain(std::string_view site, std::string_view device, std::int64_t count,
                bool kiosk_flags_as_server);
    std::vector<Response> sealed;
    std::vector<Response> unsealed;
    // The sealed records of seqs [first, last].
    std::vector<PendingRecord> records(std::int64_t first, std::int64_t last) const;
};

// Holds records in memory in the order given, like the kiosk's outbox: each
// record waits, is sent or is refused (with the server's reason).
class MemoryOutbox final : public Outbox {
  public:
    explicit MemoryOutbox(std::vector<PendingRecord> records);
    Result<std::vector<PendingRecord>> pending(std::size_t limit) override;
    Status mark_sent(std::span<const std::string> ids) override;
    Status mark_refused(std::span<const RecordRefusal> refusals) override;
    Result<std::size_t> requeue_refused() override;
    Status record_sync(const SyncReport& report) override;
    Result<std::size_t> pending_count() override;
    Result<OutboxHealth> health() override;

    void add(std::vector<PendingRecord> records);  // as the kiosk completes responses
    std::vector<SyncReport> reports();
    std::size_t mark_sent_calls();
    std::size_t waiting();                 // pending_count() for tests: never fails
    std::vector<RecordRefusal> refused();  // the refusals of the records refused now
    std::vector<std::string> sent_ids();   // the records the server acknowledged, in order
    // From now on every operation fails with `message`, as a store that cannot be read.
    void fail_with(std::string message);

  private:
    enum class State { Waiting, Sent, Refused };
    std::optional<Error> failure() const;  // with mutex_ held
    // Moves the waiting record with this id to `to`; false when there is none.
    bool leave_waiting(const std::string& id, State to, std::size_t& position);
    std::mutex mutex_;
    std::vector<PendingRecord> records_;
    std::vector<State> states_;
    std::unordered_map<std::string, std::size_t> position_;  // id → index in records_
    std::vector<RecordRefusal> refusals_;  // by record position, valid while Refused
    std::size_t waiting_;
    std::size_t mark_sent_calls_ = 0;
    std::vector<SyncReport> reports_;
    std::string failing_;
};

class TempDir {
  public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

struct CommandResult {
    int exit_code = -1;
    std::string out;  // stdout
    std::string err;  // stderr
};
// Runs a program (no shell) with `input` on its stdin and waits for it.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = "");

// The database the server tests run on (a --db URL): SQLite in `dir` by default, a
// fresh database on the test PostgreSQL (TestPostgres) when CX_TEST_BACKEND is
// "postgresql" — ctest runs the HTTP integration tests once for each backend.
std::string test_db_url(const TempDir& dir);

// `cxserver add-token --db DB_URL …`: the token from the last line of stdout.
std::string add_token(const std::string& db_url, const std::vector<std::string>& grant);

// `cxserver enrol-code --db DB_URL …`: the code from the last line of stdout.
std::string enrol_code(const std::string& db_url, const std::vector<std::string>& device);

// The real cxserver on 127.0.0.1. The constructor waits for its "listening on"
// line; the destructor stops it (SIGTERM, then SIGKILL after 5 s).
class ServerProcess {
  public:
    // `port` 0 lets the server pick a free port.
    ServerProcess(const std::string& db_url, std::vector<std::string> extra_args = {},
                  int port = 0);
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    int port() const { return port_; }
    pid_t pid() const { return pid_; }
    const std::string& url() const { return url_; }
    void stop();       // SIGTERM and wait, like systemd; SIGKILL after 5 s
    void kill_hard();  // SIGKILL, as a power cut or crash would
    std::string log() const;

  private:
    pid_t pid_ = -1;
    int port_ = 0;
    std::string url_;
    std::filesystem::path log_path_;
};

// A fresh database with a device token (demo-org/hq/kiosk-01) and a viewer
// token (demo-org), and the real cxserver serving it.
struct ServerFixture {
    ServerFixture(std::vector<std::string> server_args = {});
    TempDir dir;
    std::string db;  // --db URL (test_db_url)
    std::string device_token;
    std::string viewer_token;
    std::unique_ptr<ServerProcess> server;

    ClientConfig client_config() const;  // device token, short timeouts and backoff
    // `cxserver export --org demo-org` (a second process on the live database).
    std::string export_with_cli();
};

// The server_flags of every record of demo-org in export order (device, seq), read
// through the store beside a running server.
std::vector<std::string> stored_server_flags(const std::string& db_url);

// Every line of `jsonl` (without newlines).
std::vector<std::string> split_lines(std::string_view jsonl);

// The id and device of a canonical record, which begins {"id":"…","device":"…"
// (cx::append_canonical_json).
std::pair<std::string, std::string> id_and_device(std::string_view canonical);

// The ids of demo-org's records per device, read through the store (works while
// the server is down); `lines` counts every record read, so a record stored
// twice shows as lines > the ids' total.
struct StoredIds {
    std::map<std::string, std::set<std::string>> by_device;
    std::size_t lines = 0;
    std::size_t unique() const;
};
StoredIds stored_ids(const std::string& db_url);

}  // namespace cx::test
