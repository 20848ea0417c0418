// The SQLite store: append with seq/flags/UUID, immutability, Outbox from a
// second connection on another thread, recovery of a damaged file.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <set>
#include <thread>

#include "cx/config/config_files.hpp"
#include "cx/kiosk/recovery.hpp"
#include "cx/kiosk/staff_access.hpp"
#include "cx/kiosk/store.hpp"
#include "kiosk_test_support.hpp"

using namespace cx;
using namespace cx::kiosk;
using namespace std::chrono_literals;

namespace {

using test::kIdentity;
using test::kNoon;
using test::submission;

std::unique_ptr<Store> memory_store() {
    auto opened = Store::open(":memory:", test::test_key());
    REQUIRE(opened);
    return std::move(opened.value());
}

}  // namespace

TEST_CASE("append assigns UUID, gap-free seq, timestamps and the canonical record") {
    auto store = memory_store();
    CHECK(store->schema_version().value() == Store::kSchemaVersion);
    auto first = store->append(submission(), kIdentity, test::shipped_config().policy, kNoon);
    REQUIRE(first.ok());
    const auto& r = first.value();
    CHECK(is_canonical_uuid(r.id));
    CHECK(r.id[14] == '4');  // version 4
    CHECK(r.seq == 1);
    CHECK(r.started_at == "2026-11-25T11:59:00Z");
    CHECK(r.submitted_at == "2026-11-25T12:00:00Z");
    CHECK(r.flags.empty());
    auto second = store->append(submission(), kIdentity, test::shipped_config().policy, kNoon + 1h);
    REQUIRE(second.ok());
    CHECK(second.value().seq == 2);
    CHECK(second.value().id != r.id);

    std::int64_t cursor = 0;
    auto read = store->next_records(cursor, 10);
    REQUIRE(read.ok());
    const auto& records = read.value();
    REQUIRE(records.size() == 2);
    CHECK(records[0].json == to_canonical_json(r));
    CHECK_THAT(records[0].json, Catch::Contains(R"("answers":{"1.1":5,"1.2":null,"7":2})"));
    CHECK(records[0].state == UploadState::Waiting);
    CHECK(records[0].refusal.empty());
}

TEST_CASE("flags are computed at submit from the policy and the previous complete response") {
    auto store = memory_store();
    const auto& policy = test::shipped_config().policy;
    auto fast =
        store->append(submission(ResponseStatus::Complete, 2'000), kIdentity, policy, kNoon);
    REQUIRE(fast.ok());
    CHECK(fast.value().flags == std::vector<std::string>{"speeder"});  // 3 answers in 2 s
    auto incomplete =
        store->append(submission(ResponseStatus::Incomplete), kIdentity, policy, kNoon + 3s);
    REQUIRE(incomplete.ok());
    CHECK(incomplete.value().flags == std::vector<std::string>{"incomplete"});
    auto burst = store->append(submission(), kIdentity, policy, kNoon + 9s);
    REQUIRE(burst.ok());
    CHECK(burst.value().flags == std::vector<std::string>{"burst"});
    auto calm = store->append(submission(), kIdentity, policy, kNoon + 60s);
    REQUIRE(calm.ok());
    CHECK(calm.value().flags.empty());
    auto counts = store->counts();
    REQUIRE(counts.ok());
    CHECK(counts.value().complete == 3);
    CHECK(counts.value().incomplete == 1);
    CHECK(counts.value().unsent == 4);
}

TEST_CASE("outbox: pending oldest first, mark_sent, record_sync") {
    auto store = memory_store();
    for (int i = 0; i < 5; ++i)
        REQUIRE(
            store->append(submission(), kIdentity, test::shipped_config().policy, kNoon + i * 1min)
                .ok());
    auto pending = store->pending(3).value();
    REQUIRE(pending.size() == 3);
    CHECK_THAT(pending[0].json, Catch::Contains("\"seq\":1,"));
    CHECK_THAT(pending[2].json, Catch::Contains("\"seq\":3,"));
    std::vector<std::string> ids{pending[0].id, pending[1].id};
    REQUIRE(store->mark_sent(ids).ok());
    REQUIRE(store->mark_sent(ids).ok());  // again: harmless
    auto rest = store->pending(10).value();
    REQUIRE(rest.size() == 3);
    CHECK_THAT(rest[0].json, Catch::Contains("\"seq\":3,"));
    CHECK(store->pending_count().value() == 3);
    CHECK_FALSE(store->last_sync().value().has_value());
    const auto at = std::chrono::system_clock::time_point(kNoon);
    REQUIRE(store->record_sync({at, false, 503, 2, 1, 3, false, "server busy"}).ok());
    auto sync = store->last_sync().value();
    REQUIRE(sync.has_value());
    CHECK(sync->at == at);
    CHECK(sync->http_status == 503);
    CHECK(sync->sent == 2);
    CHECK(sync->refused == 1);
    CHECK(sync->remaining == 3);
    CHECK(sync->detail == "server busy");
    REQUIRE(store->record_sync({at, false, 0, 0, 0, 3, false, "offline"}).ok());
    REQUIRE(store->record_sync({at, true, 200, 3, 0, 0, false, ""}).ok());
    auto log = store->audit_log();
    REQUIRE(log.ok());
    REQUIRE(log.value().size() == 2);  // failed, then back: changes only
    CHECK(log.value()[0].event == "sync");
    CHECK_THAT(log.value()[0].detail, Catch::Contains("\"result\":\"failed\""));
    CHECK_THAT(log.value()[0].detail, Catch::Contains("\"http_status\":503"));
    CHECK_THAT(log.value()[0].detail, Catch::Contains("\"detail\":\"server busy\""));
    CHECK(log.value()[1].event == "sync");
    CHECK_THAT(log.value()[1].detail, Catch::Contains("\"result\":\"ok\""));
    CHECK(store->counts().value().unsent == 3);
}

TEST_CASE("responses cannot be edited or deleted through SQL") {
    test::TempDir dir;
    auto opened = open_data_dir_store(dir.path);
    REQUIRE(opened.ok());
    REQUIRE(opened.value()
                .store->append(submission(), kIdentity, test::shipped_config().policy, kNoon)
                .ok());
    opened.value().store.reset();
    const auto db = (dir.path / Store::kFileName).string();
    const auto sqlite = [&](const std::string& sql) {
        return std::system(("sqlite3 '" + db + "' \"" + sql + "\" 2>/dev/null").c_str());
    };
    CHECK(sqlite("DELETE FROM responses") != 0);
    CHECK(sqlite("UPDATE responses SET status = 'incomplete'") != 0);
    CHECK(sqlite("UPDATE answers SET level = 1") != 0);
    CHECK(sqlite("UPDATE responses SET refusal_code = 'conflict'") ==
          0);                                                        // upload state may change
    CHECK(sqlite("UPDATE responses SET refusal_code = NULL") != 0);  // a refusal is never erased
    auto reopened = Store::open(db, test::data_dir_key(dir.path));
    REQUIRE(reopened);
    CHECK(reopened.value()->counts().value().complete == 1);
}

TEST_CASE("on disk: WAL, survives reopen, and a second connection uploads while the UI writes") {
    test::TempDir dir;
    auto ui = open_data_dir_store(dir.path);
    REQUIRE(ui.ok());
    CHECK_FALSE(ui.value().recovery_notice.has_value());
    auto worker_store =
        Store::open((dir.path / Store::kFileName).string(), test::data_dir_key(dir.path));
    REQUIRE(worker_store);

    constexpr int kResponses = 40;
    std::atomic<bool> writing{true};
    std::set<std::string> uploaded;
    std::optional<Error> worker_error;
    std::thread uploader([&] {
        while (true) {
            const bool last_round = !writing;
            auto batch = worker_store.value()->pending(7);
            if (!batch) {
                worker_error = batch.error();
                return;
            }
            std::vector<std::string> ids;
            for (const auto& record : batch.value()) ids.push_back(record.id);
            if (auto marked = worker_store.value()->mark_sent(ids); !marked) {
                worker_error = marked.error();
                return;
            }
            uploaded.insert(ids.begin(), ids.end());
            if (last_round && batch.value().empty()) break;
            std::this_thread::sleep_for(1ms);
        }
    });
    for (int i = 0; i < kResponses; ++i) {
        REQUIRE(
            ui.value()
                .store
                ->append(submission(), kIdentity, test::shipped_config().policy, kNoon + i * 1min)
                .ok());
    }
    writing = false;
    uploader.join();
    CHECK_FALSE(worker_error.has_value());
    CHECK(uploaded.size() == kResponses);
    CHECK(ui.value().store->counts().value().unsent == 0);
    CHECK(std::filesystem::exists(dir.path / (std::string(Store::kFileName) + "-wal")));

    ui.value().store.reset();
    worker_store.value().reset();
    auto again = open_data_dir_store(dir.path);
    REQUIRE(again.ok());
    auto next = again.value().store->append(submission(), kIdentity, test::shipped_config().policy,
                                            kNoon + 2h);
    REQUIRE(next.ok());
    CHECK(next.value().seq == kResponses + 1);
}

TEST_CASE("a damaged store is moved aside, never deleted, and the recovery is audited") {
    test::TempDir dir;
    const auto db = dir.path / Store::kFileName;
    {
        std::ofstream garbage(db, std::ios::binary);
        garbage << std::string(8192, 'x');
    }
    auto opened = open_data_dir_store(dir.path);
    REQUIRE(opened.ok());
    REQUIRE(opened.value().recovery_notice.has_value());
    CHECK_THAT(*opened.value().recovery_notice, Catch::Contains(".corrupt-"));
    int kept = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path)) {
        if (entry.path().filename().string().starts_with("responses.sqlite3.corrupt-")) {
            ++kept;
            CHECK(std::filesystem::file_size(entry.path()) == 8192);
        }
    }
    CHECK(kept == 1);
    auto log = opened.value().store->audit_log();
    REQUIRE(log.ok());
    REQUIRE(log.value().size() == 1);
    CHECK(log.value()[0].event == "store_recovered");
    CHECK(opened.value()
              .store->append(submission(), kIdentity, test::shipped_config().policy, kNoon)
              .ok());
}

TEST_CASE("a store from a newer cxkiosk is refused, not moved aside") {
    test::TempDir dir;
    const auto db = (dir.path / Store::kFileName).string();
    REQUIRE(std::system(("sqlite3 '" + db + "' 'PRAGMA user_version = 99'").c_str()) == 0);
    auto opened = Store::open(db, test::data_dir_key(dir.path));
    REQUIRE_FALSE(opened);
    CHECK(opened.error().kind == ErrorKind::TooNew);
    auto refused = open_data_dir_store(dir.path);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::TooNew);
    CHECK_THAT(refused.error().message,
               Catch::Contains("99") && Catch::Contains("(4)") && Catch::Contains("newer cxkiosk"));
    CHECK(std::filesystem::exists(db));
    std::set<std::string> entries;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path))
        entries.insert(entry.path().filename().string());
    // Nothing moved aside, no WAL left behind by a migration; the key is the data dir's.
    CHECK(entries == std::set<std::string>{Store::kFileName, kDeviceKeyFileName});
}

TEST_CASE("counts: today and 7 days in the local time zone, flagged, waiting") {
    // Asia/Shanghai: kNoon (12:00 UTC) is 20:00 local; the local day began at 16:00 UTC.
    const char* saved = std::getenv("TZ");
    const std::string saved_tz = saved ? saved : "";
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    auto store = memory_store();
    const auto& policy = test::shipped_config().policy;
    REQUIRE(store->append(submission(), kIdentity, policy, kNoon - 8 * 24h).ok());
    REQUIRE(store->append(submission(), kIdentity, policy, kNoon - 21h).ok());  // 23:00 yesterday
    REQUIRE(store->append(submission(ResponseStatus::Incomplete), kIdentity, policy, kNoon - 4h)
                .ok());  // 16:00 today
    REQUIRE(store->append(submission(ResponseStatus::Complete, 1'000), kIdentity, policy, kNoon)
                .ok());  // a speeder
    auto counts = store->counts(kNoon + 1h);
    if (saved) {
        setenv("TZ", saved_tz.c_str(), 1);
    } else {
        unsetenv("TZ");
    }
    tzset();
    REQUIRE(counts.ok());
    CHECK(counts.value().total() == 4);
    CHECK(counts.value().today == 2);
    CHECK(counts.value().last_7_days == 3);
    CHECK(counts.value().incomplete == 1);
    CHECK(counts.value().flagged == 1);
    CHECK(counts.value().unsent == 4);
}

TEST_CASE("PIN hash and lockout state persist in the settings table") {
    test::TempDir dir;
    const auto path = (dir.path / Store::kFileName).string();
    const LockoutState locked{
        3, 2, std::chrono::system_clock::time_point(std::chrono::milliseconds(1'790'000'000'123))};
    {
        auto opened = Store::open(path, test::data_dir_key(dir.path));
        REQUIRE(opened);
        auto& store = *opened.value();
        auto none = store.pin_hash();
        REQUIRE(none.ok());
        CHECK_FALSE(none.value().has_value());
        auto fresh = store.lockout_state();
        REQUIRE(fresh.ok());
        CHECK(fresh.value() == LockoutState{});
        REQUIRE(store.set_pin_hash("$argon2id$v=19$example").ok());
        REQUIRE(store.save_lockout_state(locked).ok());
    }
    auto reopened = Store::open(path, test::data_dir_key(dir.path));
    REQUIRE(reopened);
    auto& store = *reopened.value();
    CHECK(store.pin_hash().value() == std::optional<std::string>("$argon2id$v=19$example"));
    CHECK(store.lockout_state().value() == locked);
    auto log = store.audit_log();
    REQUIRE(log.ok());
    REQUIRE(log.value().size() == 1);
    CHECK(log.value()[0].event == "pin_set");
}

TEST_CASE("next_records pages through the records in insertion order") {
    auto store = memory_store();
    for (int i = 0; i < 5; ++i)
        REQUIRE(
            store->append(submission(), kIdentity, test::shipped_config().policy, kNoon + i * 1min)
                .ok());
    std::int64_t cursor = 0;
    auto first = store->next_records(cursor, 3);
    REQUIRE(first.ok());
    REQUIRE(first.value().size() == 3);
    CHECK_THAT(first.value()[0].json, Catch::Contains("\"seq\":1,"));
    auto second = store->next_records(cursor, 3);
    REQUIRE(second.value().size() == 2);
    CHECK_THAT(second.value()[1].json, Catch::Contains("\"seq\":5,"));
    CHECK(store->next_records(cursor, 3).value().empty());
}

TEST_CASE("audit lines: JSON details embedded as objects, text as strings") {
    CHECK(audit_json_line({"2026-11-25T12:00:00Z", "staff_login", "PIN accepted"}) ==
          R"({"event":"staff_login","at":"2026-11-25T12:00:00Z","detail":"PIN accepted"})");
    CHECK(audit_json_line({"2026-11-25T12:00:00Z", "export", R"({"records":2})"}) ==
          R"({"event":"export","at":"2026-11-25T12:00:00Z","detail":{"records":2}})");
    CHECK(audit_json_line({"t", "x", "{not json"}) ==
          R"({"event":"x","at":"t","detail":"{not json"})");
}
