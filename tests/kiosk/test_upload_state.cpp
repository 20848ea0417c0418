// The upload state of the kiosk store: waiting → sent, or refused with the
// server's reason and kept until staff retry; schema 3 migrates an older store;
// exports show the state in CSV and leave JSON Lines canonical.
#include <catch2/catch.hpp>
#include <sstream>

#include "cx/kiosk/export.hpp"
#include "cx/kiosk/store.hpp"
#include "cx/kiosk/store_schema.hpp"
#include "cx/sqlite/connection.hpp"
#include "cx/sqlite/migrate.hpp"
#include "cx/sqlite/statement.hpp"
#include "kiosk_test_support.hpp"

using namespace cx;
using namespace cx::kiosk;
using namespace std::chrono_literals;

namespace {

using test::kIdentity;
using test::kNoon;
using test::submission;

// A store with `n` responses; returns their ids in seq order.
std::vector<std::string> fill(Store& store, int n) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
        auto stored =
            store.append(submission(), kIdentity, test::shipped_config().policy, kNoon + i * 1min);
        REQUIRE(stored.ok());
        ids.push_back(stored.value().id);
    }
    return ids;
}

std::vector<std::string> pending_ids(Store& store) {
    auto pending = store.pending(100);
    REQUIRE(pending.ok());
    std::vector<std::string> ids;
    for (const auto& record : pending.value()) ids.push_back(record.id);
    return ids;
}

}  // namespace

TEST_CASE("refused records leave the queue with their reason and come back only when requeued") {
    auto opened = Store::open(":memory:", test::test_key());
    REQUIRE(opened);
    auto& store = *opened.value();
    const auto ids = fill(store, 4);

    const std::vector<RecordRefusal> refusals{
        {1, ids[1], "conflict", "this id is already stored with different content"},
        {3, ids[3], "invalid_record", "record 3: level 9 outside 1-5"}};
    REQUIRE(store.mark_refused(refusals).ok());
    REQUIRE(store.mark_sent(std::vector<std::string>{ids[0]}).ok());
    CHECK(pending_ids(store) == std::vector<std::string>{ids[2]});
    CHECK(store.pending_count().value() == 1);
    // A refused record is not marked sent by a late acknowledgement of an old batch.
    REQUIRE(store.mark_sent(std::vector<std::string>{ids[1]}).ok());

    auto counts = store.counts(kNoon).value();
    CHECK(counts.unsent == 1);
    CHECK(counts.sent == 1);
    CHECK(counts.refused == 2);
    CHECK(counts.total() == 4);

    auto latest = store.latest_refusals(10).value();
    REQUIRE(latest.size() == 2);
    CHECK(latest[0].id == ids[3]);  // same second: the later record first
    CHECK(latest[0].seq == 4);
    CHECK(latest[0].code == "invalid_record");
    CHECK(latest[1].code == "conflict");
    CHECK(latest[1].detail == "this id is already stored with different content");
    CHECK(parse_utc_timestamp(latest[1].at).has_value());
    CHECK(store.latest_refusals(1).value().size() == 1);

    std::int64_t cursor = 0;
    auto records = store.next_records(cursor, 10).value();
    REQUIRE(records.size() == 4);
    CHECK(records[0].state == UploadState::Sent);
    CHECK(records[1].state == UploadState::Refused);
    CHECK(records[1].refusal == "conflict: this id is already stored with different content");
    CHECK(records[2].state == UploadState::Waiting);

    auto requeued = store.requeue_refused();
    REQUIRE(requeued.ok());
    CHECK(requeued.value() == 2);
    CHECK(pending_ids(store) == std::vector<std::string>{ids[1], ids[2], ids[3]});
    CHECK(store.latest_refusals(10).value().empty());
    CHECK(store.counts(kNoon).value().refused == 0);
    cursor = 0;
    // The reason stays on the record as evidence after the retry.
    CHECK(store.next_records(cursor, 10).value()[1].refusal ==
          "conflict: this id is already stored with different content");
    CHECK(store.requeue_refused().value() == 0);

    auto log = store.audit_log().value();
    REQUIRE(log.size() == 2);
    CHECK(log[0].event == "refused_requeued");
    CHECK(log[0].detail == R"({"count":2})");
    CHECK(log[1].detail == R"({"count":0})");
}

TEST_CASE("schema 3 migrates a version 2 store: acknowledged records become sent") {
    test::TempDir dir;
    const auto path = (dir.path / Store::kFileName).string();
    REQUIRE(kiosk_schema_versions().size() == Store::kSchemaVersion);
    auto db = sqlite::Connection::open(path);
    REQUIRE(db.ok());
    REQUIRE(sqlite::migrate(db.value(), kiosk_schema_versions().first(2)).ok());
    REQUIRE(db.value()
                .exec("INSERT INTO responses (id, device, seq, status, submitted_ms, record, "
                      "sent_at) VALUES ('a', 'k', 1, 'complete', 1, '{}', "
                      "'2026-11-25T12:00:00Z'), ('b', 'k', 2, 'complete', 2, '{}', NULL);"
                      "INSERT INTO sync_state VALUES (1, '2026-11-25T12:00:00Z', 1, 200, 1, "
                      "1, '')")
                .ok());
    // Schema 4 seals records (test_store_seal.cpp); these placeholders stop at 3.
    REQUIRE(sqlite::migrate(db.value(), kiosk_schema_versions().first(3)).ok());
    sqlite::Statement states(db.value(),
                             "SELECT group_concat(id || ':' || upload_state, ' ') FROM "
                             "(SELECT id, upload_state FROM responses ORDER BY seq)");
    sqlite::Statement sync(db.value(), "SELECT refused, remaining FROM sync_state");
    REQUIRE(states.step().value());
    CHECK(states.text(0) == "a:sent b:waiting");
    REQUIRE(sync.step().value());
    CHECK(sync.integer(0) == 0);
    CHECK(sync.integer(1) == 1);
}

TEST_CASE("exports: CSV shows upload_state and refusal, JSON Lines stays the canonical records") {
    test::TempDir dir;
    auto opened = Store::open(":memory:", test::test_key());
    REQUIRE(opened);
    auto& store = *opened.value();
    const auto ids = fill(store, 3);
    REQUIRE(store.mark_sent(std::vector<std::string>{ids[0]}).ok());
    REQUIRE(store.mark_refused(std::vector<RecordRefusal>{{1, ids[1], "conflict", "id, \"taken\""}})
                .ok());
    const auto& config = test::shipped_config();

    REQUIRE(export_responses(store, config.questionnaire, config.policy, ExportFormat::Csv,
                             dir.path / "r.csv")
                .ok());
    std::istringstream csv(test::slurp(dir.path / "r.csv"));
    std::string header, sent, refused, waiting;
    std::getline(csv, header);
    std::getline(csv, sent);
    std::getline(csv, refused);
    std::getline(csv, waiting);
    CHECK_THAT(header, Catch::Contains(",flags,upload_state,refusal,1.1,"));
    CHECK_THAT(sent, Catch::Contains(",sent,,"));
    CHECK_THAT(refused, Catch::Contains(R"(,refused,"conflict: id, ""taken""",)"));
    CHECK_THAT(waiting, Catch::Contains(",waiting,,"));

    REQUIRE(export_responses(store, config.questionnaire, config.policy, ExportFormat::Jsonl,
                             dir.path / "r.jsonl")
                .ok());
    std::string expected;
    std::int64_t cursor = 0;
    auto records = store.next_records(cursor, 10);
    REQUIRE(records.ok());
    for (const auto& record : records.value()) expected += record.json + "\n";
    const auto jsonl = test::slurp(dir.path / "r.jsonl");
    CHECK(jsonl == expected);
    CHECK_THAT(jsonl, !Catch::Contains("upload_state") && !Catch::Contains("refus"));
}
