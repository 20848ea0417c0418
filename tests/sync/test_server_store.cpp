// One suite for every ServerStore backend: SQLite, and a real PostgreSQL 15
// the tests start themselves (TestPostgres; one fresh database per test).
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <variant>

#include "cx/postgres/connection.hpp"
#include "cx/postgres/migrate.hpp"
#include "cx/server/postgres_store.hpp"
#include "cx/server/server_store.hpp"
#include "cx/server/sqlite_store.hpp"
#include "cx/sqlite/connection.hpp"
#include "cx/sqlite/migrate.hpp"
#include "cx/sqlite/statement.hpp"
#include "sync_test_support.hpp"
#include "test_postgres_server.hpp"

using namespace cx;

namespace {

// Each backend: a name and how to open a fresh, empty store of it.
struct Backend {
    std::string name;
    std::function<std::string(const test::TempDir&)> url;
};

std::vector<Backend> backends() {
    return {{"sqlite",
             [](const test::TempDir& dir) { return "sqlite:" + (dir / "server.db").string(); }},
            {"postgresql",
             [](const test::TempDir&) { return test::TestPostgres::shared().fresh_database(); }}};
}

// Runs `sql` on the database behind a store URL, on a connection of the test's own
// (to write an older schema's rows, or to make the database refuse what the store writes).
Status exec_sql(const std::string& url, std::string_view sql) {
    constexpr std::string_view kSqlite = "sqlite:";
    if (url.starts_with(kSqlite)) {
        auto db = sqlite::Connection::open(url.substr(kSqlite.size()));
        if (!db) return db.error();
        return db.value().exec(sql);
    }
    auto db = postgres::Connection::open(url);
    if (!db) return db.error();
    return db.value().exec(sql);
}

// Takes the empty database behind a store URL to schema `version` (of server_schema_steps).
Status migrate_to(const std::string& url, std::size_t version) {
    constexpr std::string_view kSqlite = "sqlite:";
    if (url.starts_with(kSqlite)) {
        auto db = sqlite::Connection::open(url.substr(kSqlite.size()));
        if (!db) return db.error();
        if (auto migrated = sqlite::migrate(db.value(), sqlite_schema_versions().first(version));
            !migrated)
            return migrated.error();
        return Ok{};
    }
    auto db = postgres::Connection::open(url);
    if (!db) return db.error();
    if (auto migrated = postgres::migrate(db.value(), postgres_schema_versions().first(version));
        !migrated)
        return migrated.error();
    return Ok{};
}

// Each device of the org with its kept record figures: device → (site, records).
std::map<std::string, std::pair<std::string, std::int64_t>> record_figures(ServerStore& store,
                                                                           std::string_view org) {
    auto devices = store.device_activity(org);
    REQUIRE(devices.ok());
    std::map<std::string, std::pair<std::string, std::int64_t>> figures;
    for (const auto& device : devices.value())
        figures[device.device] = {device.site, device.records};
    return figures;
}

StoredRecord stored(const Response& r) {
    return stored_record(r);
}

std::vector<StoredRecord> stored_batch(std::string_view org, std::string_view site,
                                       std::string_view device, std::int64_t first, std::size_t n) {
    std::vector<StoredRecord> batch;
    for (std::size_t i = 0; i < n; ++i)
        batch.push_back(
            stored(test::make_response(org, site, device, first + static_cast<std::int64_t>(i))));
    return batch;
}

std::vector<std::string> export_all(ServerStore& store, const ResponseQuery& query,
                                    std::size_t page_size = 1000) {
    std::vector<std::string> lines;
    std::optional<ExportCursor> after;
    do {
        auto page = store.export_page(query, after, page_size);
        REQUIRE(page.ok());
        lines.insert(lines.end(), page.value().lines.begin(), page.value().lines.end());
        after = page.value().next;
    } while (after);
    return lines;
}

// Folds by appending each stored record's seq (and "u" for an upgrade) to the state.
struct AppendingFolder final : DayStateFolder {
    std::string fold(std::optional<std::string_view> state, std::span<const StoredRecord> batch,
                     std::span<const StoredInBatch> stored) override {
        std::string next(state.value_or("new"));
        for (const auto& record : stored)
            next += " " + std::to_string(batch[record.index].seq) + (record.upgraded ? "u" : "");
        return next;
    }
};

}  // namespace

TEST_CASE("server store suite") {
    auto backend = GENERATE(from_range(backends()));
    test::TempDir dir;
    auto opened = open_store(backend.url(dir));
    REQUIRE(opened.ok());
    auto& store = *opened.value();
    INFO("backend " << backend.name);
    const std::string now = "2026-11-25T12:00:00Z";

    using enum RecordOutcome;
    auto outcomes = [&](std::span<const StoredRecord> batch) {
        auto ingested = store.ingest(batch, now);
        REQUIRE(ingested.ok());
        return ingested.value();
    };

    SECTION("new records are stored, a byte-identical re-send counts as duplicates") {
        auto batch = stored_batch("o", "hq", "k1", 1, 10);
        CHECK(outcomes(batch) == std::vector<RecordOutcome>(10, Stored));
        CHECK(outcomes(batch) == std::vector<RecordOutcome>(10, Duplicate));
        CHECK(export_all(store, {"o", {}, {}, {}}).size() == 10);
    }

    SECTION("the same id with other content is a conflict; the rest of the batch is stored") {
        REQUIRE(outcomes(stored_batch("o", "hq", "k1", 1, 3)).size() == 3);
        auto batch = stored_batch("o", "hq", "k1", 4, 3);  // new records…
        auto changed = test::make_response("o", "hq", "k1", 2);
        changed.answers[0].level = changed.answers[0].level == 5 ? 4 : 5;
        test::reseal(changed);
        batch.insert(batch.begin() + 1, stored(changed));  // …and one clashing with a stored id
        batch.push_back(stored(test::make_response("o", "hq", "k1", 3)));  // …and a duplicate
        CHECK(outcomes(batch) ==
              std::vector<RecordOutcome>{Stored, Conflict, Stored, Stored, Duplicate});
        auto all = export_all(store, {"o", {}, {}, {}});
        REQUIRE(all.size() == 6);
        CHECK(all[1] ==
              to_canonical_json(test::make_response("o", "hq", "k1", 2)));  // kept as it was
    }

    SECTION("an id twice in one batch: same bytes is a duplicate, other bytes a conflict") {
        auto batch = stored_batch("o", "hq", "k1", 1, 2);
        batch.push_back(batch[0]);
        CHECK(outcomes(batch) == std::vector<RecordOutcome>{Stored, Stored, Duplicate});
        auto clash = stored_batch("o", "hq", "k1", 5, 1);
        clash.push_back(clash[0]);
        clash.back().canonical += " ";
        CHECK(outcomes(clash) == std::vector<RecordOutcome>{Stored, Conflict});
        CHECK(export_all(store, {"o", {}, {}, {}}).size() == 3);
    }

    SECTION("concurrent batches (one group commit or many) each get their own outcomes") {
        // 8 uploaders at once: each sends its own 5 records twice, and all of them race
        // for one shared id with different content. Exactly one copy of it is stored.
        constexpr int kUploaders = 8;
        std::vector<std::vector<RecordOutcome>> first(kUploaders), again(kUploaders);
        std::vector<int> shared_outcome(kUploaders, -1);
        std::vector<StoredRecord> shared(kUploaders);
        for (int u = 0; u < kUploaders; ++u) {
            shared[u] = stored(test::make_response("o", "hq", "k" + std::to_string(u), 100));
            shared[u].id = "0e0e0e0e-0000-4000-8000-000000000001";
        }
        std::atomic<bool> failed = false;
        {
            std::vector<std::jthread> uploaders;
            for (int u = 0; u < kUploaders; ++u)
                uploaders.emplace_back([&, u] {
                    auto own = stored_batch("o", "hq", "k" + std::to_string(u), 1, 5);
                    auto a = store.ingest(own, now);
                    auto s = store.ingest(std::span(&shared[u], 1), now);
                    auto b = store.ingest(own, now);
                    if (!a || !s || !b) {
                        failed = true;
                        return;
                    }
                    first[u] = a.value();
                    shared_outcome[u] = static_cast<int>(s.value().at(0));
                    again[u] = b.value();
                });
        }
        REQUIRE_FALSE(failed);
        int stored_shared = 0;
        for (int u = 0; u < kUploaders; ++u) {
            CHECK(first[u] == std::vector<RecordOutcome>(5, Stored));
            CHECK(again[u] == std::vector<RecordOutcome>(5, Duplicate));
            if (shared_outcome[u] == static_cast<int>(Stored))
                ++stored_shared;
            else
                CHECK(shared_outcome[u] == static_cast<int>(Conflict));
        }
        CHECK(stored_shared == 1);
        CHECK(export_all(store, {"o", {}, {}, {}}).size() == kUploaders * 5 + 1);
    }

    SECTION("export orders by device then seq, pages without gaps, and filters") {
        outcomes(stored_batch("o", "north", "k2", 1, 25));
        outcomes(stored_batch("o", "south", "k1", 1, 25));
        outcomes(stored_batch("other", "x", "k9", 1, 5));
        auto all = export_all(store, {"o", {}, {}, {}}, 7);
        REQUIRE(all.size() == 50);
        CHECK(all.front() == to_canonical_json(test::make_response("o", "south", "k1", 1)));
        CHECK(all[24] == to_canonical_json(test::make_response("o", "south", "k1", 25)));
        CHECK(all[25] == to_canonical_json(test::make_response("o", "north", "k2", 1)));
        CHECK(export_all(store, {"o", {}, {}, {}}, 1000) == all);
        CHECK(export_all(store, {"o", std::string("north"), {}, {}}).size() == 25);
        // make_response submits seq n at 10:00 + n minutes on 2025-11-25.
        auto window =
            export_all(store, {"o", std::string("north"), std::string("2025-11-25T10:05:00Z"),
                               std::string("2025-11-25T10:10:00Z")});
        CHECK(window.size() == 5);
        CHECK(export_all(store, {"nobody", {}, {}, {}}).empty());
    }

    SECTION("day states: each day's stored records are folded in the ingest, rows found by range") {
        AppendingFolder folder;
        // seq 838 … 841 of k1 cross midnight (2025-11-25 → 26); k2 is at another site.
        auto hq = stored_batch("o", "hq", "k1", 838, 4);
        auto branch = stored_batch("o", "branch", "k2", 1, 2);
        REQUIRE(store.ingest(hq, now, folder).ok());
        REQUIRE(store.ingest(branch, now, folder).ok());
        auto repeated = stored_batch("o", "hq", "k1", 841, 2);  // 841 again: a duplicate
        REQUIRE(store.ingest(repeated, now, folder).ok());
        auto rows = [&](DayStateQuery query) {
            std::map<std::string, std::pair<std::string, std::int64_t>> found;
            REQUIRE(store
                        .for_each_day_state(
                            query,
                            [&](const DayStateRow& row) {
                                found[row.key.site + "/" + row.key.device + "/" + row.key.day] = {
                                    row.state, row.version};
                            })
                        .ok());
            return found;
        };
        using Rows = std::map<std::string, std::pair<std::string, std::int64_t>>;
        auto all = rows({"o", {}, {}, {}});
        CHECK(all ==
              Rows{{"hq/k1/2025-11-25", {"new 838 839", all["hq/k1/2025-11-25"].second}},
                   {"hq/k1/2025-11-26", {"new 840 841 842", all["hq/k1/2025-11-26"].second}},
                   {"branch/k2/2025-11-25", {"new 1 2", all["branch/k2/2025-11-25"].second}}});
        CHECK(rows({"o", std::string("branch"), {}, {}}).size() == 1);
        CHECK(rows({"o", {}, std::string("2025-11-26"), {}}).size() == 1);
        CHECK(rows({"o", {}, {}, std::string("2025-11-26")}).size() == 2);
        CHECK(rows({"o", {}, std::string("2025-11-25"), std::string("2025-11-25")}).empty());
        CHECK(rows({"other", {}, {}, {}}).empty());

        // A rebuilt state is put back only at the version it was read with.
        const DayKey day{"o", "hq", "k1", "2025-11-26"};
        const auto version = all["hq/k1/2025-11-26"].second;
        CHECK_FALSE(store.replace_day_state(day, version - 1, "stale read").value());
        CHECK(store.replace_day_state(day, version, "rebuilt").value());
        auto after = rows({"o", {}, std::string("2025-11-26"), {}})["hq/k1/2025-11-26"];
        CHECK(after.first == "rebuilt");
        CHECK(after.second > version);
        CHECK_FALSE(store.replace_day_state(day, version, "again").value());

        // Without a folder the days are marked stale (empty) for the next score to rebuild.
        REQUIRE(store.ingest(stored_batch("o", "hq", "k1", 843, 1), now).ok());
        CHECK(rows({"o", {}, std::string("2025-11-26"), {}})["hq/k1/2025-11-26"].first.empty());
    }

    SECTION("tokens: add, find by selector, revoke") {
        TokenHash hash{};
        hash[0] = 7;
        auto id = store.add_token("0123456789abcdef", hash, {0, Role::Viewer, "o", "", ""}, now);
        REQUIRE(id.ok());
        auto row = store.find_token("0123456789abcdef").value();
        REQUIRE(row);
        CHECK(row->hash == hash);
        CHECK(row->grant == TokenGrant{id.value(), Role::Viewer, "o", "", ""});
        CHECK_FALSE(store.find_token("fedcba9876543210").value());
        CHECK(store.revoke_token(id.value(), now).value());
        CHECK_FALSE(store.find_token("0123456789abcdef").value());
    }
    SECTION("tokens are listed by id, per org or all, revoked ones with their time") {
        auto device = store.add_token("aaaaaaaaaaaaaaaa", {}, {0, Role::Device, "o", "hq", "k1"},
                                      "2025-01-01T00:00:00Z");
        auto viewer = store.add_token("bbbbbbbbbbbbbbbb", {}, {0, Role::Viewer, "p", "", ""},
                                      "2025-01-02T00:00:00Z");
        REQUIRE(device.ok());
        REQUIRE(viewer.ok());
        REQUIRE(store.revoke_token(device.value(), "2025-01-03T00:00:00Z").value());
        const TokenListing revoked_device{{device.value(), Role::Device, "o", "hq", "k1"},
                                          "2025-01-01T00:00:00Z",
                                          "2025-01-03T00:00:00Z"};
        const TokenListing active_viewer{
            {viewer.value(), Role::Viewer, "p", "", ""}, "2025-01-02T00:00:00Z", std::nullopt};
        CHECK(store.list_tokens(std::nullopt).value() ==
              std::vector<TokenListing>{revoked_device, active_viewer});
        CHECK(store.list_tokens("p").value() == std::vector<TokenListing>{active_viewer});
        CHECK(store.list_tokens("q").value().empty());
    }
    SECTION("server_flags are kept beside the canonical bytes, never inside them") {
        auto record = stored(test::make_response("o", "hq", "k1", 1));
        record.server_flags = R"(["clock"])";
        CHECK(outcomes({&record, 1}) == std::vector<RecordOutcome>{Stored});
        auto page = store.export_page({"o", {}, {}, {}}, std::nullopt, 10);
        REQUIRE(page.ok());
        CHECK(page.value().lines == std::vector<std::string>{record.canonical});
        CHECK(page.value().server_flags == std::vector<std::string>{R"(["clock"])"});
    }

    SECTION("records below their chain's highest seq count as late arrivals") {
        for (auto [first, count] : {std::pair{1, 3}, std::pair{7, 2}, std::pair{4, 3}})
            outcomes(stored_batch("o", "hq", "k1", first, count));
        outcomes(stored_batch("o", "hq", "k2", 1, 2));
        CHECK(store.late_arrivals("o").value() ==
              std::map<std::string, std::int64_t>{{"k1", 3}, {"k2", 0}});
    }

    SECTION("the first key is pinned once, an admin binds more and turns a pin into a binding") {
        const std::string a(64, 'a'), b(64, 'b');
        auto pinned = store.pin_first_key("o", "k1", a, "2026-11-25T12:00:00Z");
        REQUIRE(pinned.ok());
        CHECK(pinned.value() ==
              std::vector<DeviceKey>{{"k1", a, KeyTrust::Tofu, "2026-11-25T12:00:00Z"}});
        // A second first upload with another key finds the device pinned already.
        CHECK(store.pin_first_key("o", "k1", b, "2026-11-25T12:00:01Z").value() == pinned.value());
        REQUIRE(store.bind_key("o", "k1", b, "2026-11-25T13:00:00Z").ok());
        REQUIRE(store.bind_key("o", "k1", a, "2026-11-25T13:00:00Z").ok());
        CHECK(store.device_keys("o", "k1").value() ==
              std::vector<DeviceKey>{{"k1", a, KeyTrust::Admin, "2026-11-25T12:00:00Z"},
                                     {"k1", b, KeyTrust::Admin, "2026-11-25T13:00:00Z"}});
        CHECK(store.device_keys("o", std::nullopt).value().size() == 2);
        CHECK(store.device_keys("other-org", std::nullopt).value().empty());
    }

    SECTION("an enrolment code works once, until it expires, and binds the key \"enrolled\"") {
        auto code_hash = [](char fill) {
            TokenHash hash{};
            hash.fill(static_cast<unsigned char>(fill));
            return hash;
        };
        for (auto [fill, expires] :
             {std::pair{'c', "2026-11-26T12:00:00Z"}, std::pair{'x', "2026-11-25T12:30:00Z"}})
            REQUIRE(
                store.add_enrolment_code({code_hash(fill), "o", "hq", "k1", now, expires}).ok());
        const std::string tofu(64, 'a'), enrolled(64, 'b');
        REQUIRE(store.pin_first_key("o", "k1", tofu, now).ok());
        auto enrol = [&](char fill, std::string selector, const std::string& key, std::string at) {
            auto outcome = store.enrol(
                {code_hash(fill), std::move(selector), code_hash('t'), key, std::move(at)});
            REQUIRE(outcome.ok());
            return outcome.value();
        };
        auto first = enrol('c', "1111111111111111", enrolled, "2026-11-25T13:00:00Z");
        REQUIRE(std::holds_alternative<TokenGrant>(first));
        const auto& grant = std::get<TokenGrant>(first);
        CHECK(grant == TokenGrant{grant.id, Role::Device, "o", "hq", "k1"});
        auto token = store.find_token("1111111111111111").value();
        REQUIRE(token);
        CHECK(token->grant == grant);
        CHECK(token->hash == code_hash('t'));
        // Used: refused, and nothing more is issued.
        CHECK(enrol('c', "2222222222222222", enrolled, "2026-11-25T13:00:01Z") ==
              EnrolmentOutcome{EnrolmentRefusal::Used});
        CHECK_FALSE(store.find_token("2222222222222222").value());
        CHECK(enrol('x', "3333333333333333", enrolled, "2026-11-25T12:30:00Z") ==
              EnrolmentOutcome{EnrolmentRefusal::Expired});
        CHECK(enrol('u', "4444444444444444", enrolled, now) ==
              EnrolmentOutcome{EnrolmentRefusal::Unknown});
        CHECK_FALSE(store.find_token("3333333333333333").value());
        // A key pinned on first use and sent with a code becomes "enrolled"; an admin's
        // binding keeps its trust.
        REQUIRE(
            store.add_enrolment_code({code_hash('d'), "o", "hq", "k1", now, "2026-11-26T12:00:00Z"})
                .ok());
        REQUIRE(std::holds_alternative<TokenGrant>(
            enrol('d', "5555555555555555", tofu, "2026-11-25T14:00:00Z")));
        REQUIRE(store.bind_key("o", "k1", enrolled, "2026-11-25T15:00:00Z").ok());
        CHECK(store.device_keys("o", "k1").value() ==
              std::vector<DeviceKey>{{"k1", tofu, KeyTrust::Enrolled, now},
                                     {"k1", enrolled, KeyTrust::Admin, "2026-11-25T13:00:00Z"}});
    }

    SECTION("two enrolments racing one code: exactly one gets a token") {
        TokenHash code{};
        code.fill(0x42);
        REQUIRE(
            store.add_enrolment_code({code, "o", "hq", "k1", now, "2026-11-26T12:00:00Z"}).ok());
        constexpr int kRacers = 6;
        std::vector<std::optional<Result<EnrolmentOutcome>>> results(kRacers);
        std::atomic<bool> go{false};
        std::vector<std::thread> racers;
        for (int i = 0; i < kRacers; ++i)
            racers.emplace_back([&, i] {
                while (!go) std::this_thread::yield();
                const std::string key(64, static_cast<char>('a' + i));
                results[i] = store.enrol(
                    {code, std::string(16, static_cast<char>('0' + i)), TokenHash{}, key, now});
            });
        go = true;
        for (auto& racer : racers) racer.join();
        int granted = 0, used = 0;
        for (const auto& result : results) {
            REQUIRE(result);
            REQUIRE(result->ok());
            if (std::holds_alternative<TokenGrant>(result->value()))
                ++granted;
            else if (std::get<EnrolmentRefusal>(result->value()) == EnrolmentRefusal::Used)
                ++used;
        }
        CHECK(granted == 1);
        CHECK(used == kRacers - 1);
        CHECK(store.device_keys("o", "k1").value().size() == 1);
    }

    SECTION(
        "each device's stored rows are counted in the ingest: not duplicates, conflicts"
        " or upgrades; its site is the greatest of its rows'") {
        using Figures = std::map<std::string, std::pair<std::string, std::int64_t>>;
        REQUIRE(outcomes(stored_batch("o", "north", "k1", 1, 3)).size() == 3);
        CHECK(record_figures(store, "o") == Figures{{"k1", {"north", 3}}});
        // One batch: new rows of two devices (k1 now also at a site before "north"),
        // a duplicate, a conflict, and an id twice.
        auto batch = stored_batch("o", "hq", "k1", 4, 2);
        batch.push_back(stored(test::make_response("o", "north", "k1", 2)));  // duplicate
        auto changed = test::make_response("o", "north", "k1", 3);
        changed.answers[0].level = changed.answers[0].level == 5 ? 4 : 5;
        test::reseal(changed);
        batch.push_back(stored(changed));  // conflict
        auto other_device = stored_batch("o", "south", "k2", 1, 2);
        batch.insert(batch.end(), other_device.begin(), other_device.end());
        batch.push_back(other_device[0]);  // the same id again in the batch
        CHECK(outcomes(batch) == std::vector<RecordOutcome>{Stored, Stored, Duplicate, Conflict,
                                                            Stored, Stored, Duplicate});
        CHECK(record_figures(store, "o") == Figures{{"k1", {"north", 5}}, {"k2", {"south", 2}}});
        // A greater site than any before becomes the device's; a resend adds nothing.
        const auto later = stored_batch("o", "west", "k1", 6, 1);
        CHECK(outcomes(later) == std::vector<RecordOutcome>{Stored});
        CHECK(outcomes(later) == std::vector<RecordOutcome>{Duplicate});
        CHECK(record_figures(store, "o") == Figures{{"k1", {"west", 6}}, {"k2", {"south", 2}}});
        // An unsigned row upgraded by its sealed version is the same row: still one.
        auto unsigned_record = stored(test::make_unsigned_response("o", "hq", "k3", 1));
        CHECK(outcomes({&unsigned_record, 1}) == std::vector<RecordOutcome>{Stored});
        auto sealed = stored(test::make_response("o", "hq", "k3", 1));
        CHECK(outcomes({&sealed, 1}) == std::vector<RecordOutcome>{Stored});
        CHECK(record_figures(store, "o").at("k3") == std::pair<std::string, std::int64_t>{"hq", 1});
        // The same device name in another org is another device.
        CHECK(outcomes(stored_batch("p", "zz", "k1", 100, 1)) ==
              std::vector<RecordOutcome>{Stored});
        CHECK(record_figures(store, "p") == Figures{{"k1", {"zz", 1}}});
        CHECK(record_figures(store, "o").at("k1") ==
              std::pair<std::string, std::int64_t>{"west", 6});
    }

    SECTION("a row stored unsigned is upgraded by its sealed version, once") {
        auto unsigned_record = stored(test::make_unsigned_response("o", "hq", "k1", 1));
        CHECK(outcomes({&unsigned_record, 1}) == std::vector<RecordOutcome>{Stored});
        auto ingest_one = [&](const Response& record) {
            auto row = stored(record);
            return outcomes({&row, 1}).at(0);
        };
        auto edited = test::make_response("o", "hq", "k1", 1);
        edited.answers[0].level = edited.answers[0].level == 5 ? 4 : 5;
        test::reseal(edited);
        CHECK(ingest_one(edited) == Conflict);  // not the same content
        auto sealed = test::make_response("o", "hq", "k1", 1);
        CHECK(ingest_one(sealed) == Stored);  // the upgrade
        CHECK(ingest_one(sealed) == Duplicate);
        CHECK(export_all(store, {"o", {}, {}, {}}) ==
              std::vector<std::string>{to_canonical_json(sealed)});
        std::vector<ChainLink> links;
        REQUIRE(
            store.for_each_link("o", [&](const ChainLink& link) { links.push_back(link); }).ok());
        REQUIRE(links.size() == 1);
        CHECK(links[0].hash == integrity::record_hash(sealed));
        CHECK(links[0].prev_hash == integrity::kGenesisPrevHash);
        CHECK(store.last_complete_at_or_before("o", "k1", sealed.key, 5).value() ==
              sealed.submitted_at);
    }
}

// A fresh, empty store of one backend, in a folder of its own.
struct FreshStore {
    explicit FreshStore(const Backend& backend) : url(backend.url(dir)) {
        auto opened = open_store(url);
        REQUIRE(opened.ok());
        store = std::move(opened.value());
    }
    test::TempDir dir;
    std::string url;  // the store's --db URL
    std::unique_ptr<ServerStore> store;
};

TEST_CASE("server store: a refused batch counts nothing of its records") {
    auto backend = GENERATE(from_range(backends()));
    INFO("backend " << backend.name);
    FreshStore fresh(backend);
    auto& store = *fresh.store;
    const std::string now = "2026-11-25T12:00:00Z";
    REQUIRE(store.ingest(stored_batch("o", "hq", "k1", 1, 3), now).ok());
    // The database refuses the batch's last step (its devices' last upload, written
    // after their records were counted): the whole transaction must go.
    const bool sqlite = backend.name == "sqlite";
    REQUIRE(exec_sql(fresh.url, sqlite
                                    ? "CREATE TRIGGER refuse_insert BEFORE INSERT ON device_uploads"
                                      " WHEN NEW.site = 'zz' BEGIN SELECT RAISE(ABORT, 'refused');"
                                      " END;"
                                      "CREATE TRIGGER refuse_update BEFORE UPDATE ON device_uploads"
                                      " WHEN NEW.site = 'zz' BEGIN SELECT RAISE(ABORT, 'refused');"
                                      " END;"
                                    : "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql"
                                      " AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;"
                                      "CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON"
                                      " device_uploads FOR EACH ROW WHEN (NEW.site = 'zz')"
                                      " EXECUTE FUNCTION refuse();")
                .ok());
    auto refused = stored_batch("o", "zz", "k1", 4, 2);
    const auto new_device = stored_batch("o", "zz", "k2", 1, 1);
    refused.insert(refused.end(), new_device.begin(), new_device.end());
    REQUIRE_FALSE(store.ingest(refused, now).ok());
    using Figures = std::map<std::string, std::pair<std::string, std::int64_t>>;
    CHECK(record_figures(store, "o") == Figures{{"k1", {"hq", 3}}});
    CHECK(export_all(store, {"o", {}, {}, {}}).size() == 3);
    // Sent again once the database takes it, the batch is counted once.
    const auto dropped =
        exec_sql(fresh.url, sqlite ? "DROP TRIGGER refuse_insert; DROP TRIGGER refuse_update;"
                                   : "DROP TRIGGER refuse ON device_uploads;");
    REQUIRE(dropped.ok());
    auto taken = store.ingest(refused, now);
    INFO((taken.ok() ? "" : taken.error().message));
    REQUIRE(taken.ok());
    CHECK(record_figures(store, "o") == Figures{{"k1", {"zz", 5}}, {"k2", {"zz", 1}}});
}

TEST_CASE("server store: the previous schema's records are counted by the migration") {
    auto backend = GENERATE(from_range(backends()));
    INFO("backend " << backend.name);
    test::TempDir dir;
    const auto url = backend.url(dir);
    const auto previous = server_schema_steps().size() - 1;
    REQUIRE(migrate_to(url, previous).ok());
    // As the previous version's ingest left them: k1 on two sites, k2, and a k1 of
    // another org; k3 known only by an upload without records.
    REQUIRE(
        exec_sql(
            url,
            "INSERT INTO responses(id, org, site, device, seq, submitted_at, received_at,"
            " canonical) VALUES"
            " ('r1', 'o', 'north', 'k1', 1, '2025-11-25T10:01:00Z', '2025-11-25T10:02:00Z', '{}'),"
            " ('r2', 'o', 'hq', 'k1', 2, '2025-11-25T10:03:00Z', '2025-11-25T10:04:00Z', '{}'),"
            " ('r3', 'o', 'south', 'k1', 3, '2025-11-25T10:05:00Z', '2025-11-25T10:06:00Z', '{}'),"
            " ('r4', 'o', 'hq', 'k2', 1, '2025-11-25T10:01:00Z', '2025-11-25T10:02:00Z', '{}'),"
            " ('r5', 'p', 'west', 'k1', 1, '2025-11-25T10:01:00Z', '2025-11-25T10:02:00Z', '{}');"
            "INSERT INTO device_uploads(org, device, site, last_upload_at) VALUES"
            " ('o', 'k3', 'east', '2025-11-25T10:02:00Z')")
            .ok());
    auto opened = open_store(url);
    REQUIRE(opened.ok());
    auto& store = *opened.value();
    using Figures = std::map<std::string, std::pair<std::string, std::int64_t>>;
    // k1's site is the greatest of its rows', as max(site) over them gave before.
    CHECK(record_figures(store, "o") ==
          Figures{{"k1", {"south", 3}}, {"k2", {"hq", 1}}, {"k3", {"", 0}}});
    CHECK(record_figures(store, "p") == Figures{{"k1", {"west", 1}}});
    // The ingest adds to the counted figures.
    REQUIRE(store.ingest(stored_batch("o", "hq", "k2", 2, 2), "2026-11-25T12:00:00Z").ok());
    CHECK(record_figures(store, "o").at("k2") == std::pair<std::string, std::int64_t>{"hq", 3});
}

TEST_CASE("stored records survive reopening the database") {
    auto backend = GENERATE(from_range(backends()));
    INFO("backend " << backend.name);
    test::TempDir dir;
    const auto url = backend.url(dir);
    REQUIRE(open_store(url)
                .value()
                ->ingest(stored_batch("o", "hq", "k1", 1, 4), "2026-11-25T12:00:00Z")
                .ok());
    CHECK(export_all(*open_store(url).value(), {"o", {}, {}, {}}).size() == 4);
}

TEST_CASE("server store: console users and their sessions") {
    auto backend = GENERATE(from_range(backends()));
    INFO("backend " << backend.name);
    FreshStore fresh(backend);
    auto& store = *fresh.store;
    const std::string t0 = "2026-11-25T08:00:00Z";

    User alice{0, "alice", UserRole::Certifier, "", false, t0, t0};
    auto alice_id = store.add_user(alice, "hash-a");
    REQUIRE(alice_id.ok());
    alice.id = alice_id.value();
    User viewer{0, "vera", UserRole::Viewer, "demo-org", false, t0, t0};
    viewer.id = store.add_user(viewer, "hash-v").value();
    auto clash = store.add_user({0, "alice", UserRole::Viewer, "x", false, t0, t0}, "other");
    REQUIRE_FALSE(clash.ok());
    CHECK(clash.error().kind == ErrorKind::Invalid);  // the name is taken: nothing replaced
    CHECK(store.find_user("alice").value()->password_hash == "hash-a");
    CHECK(store.find_user("nobody").value() == std::nullopt);
    CHECK(store.list_users().value() == std::vector<User>{alice, viewer});

    // Organisations: those named by a token or a viewer, each once, by name.
    REQUIRE(store.add_token("sel-z", TokenHash{}, {0, Role::Viewer, "zeta", "", ""}, t0).ok());
    REQUIRE(store.add_token("sel-d", TokenHash{}, {0, Role::Viewer, "demo-org", "", ""}, t0).ok());
    CHECK(store.list_orgs().value() == std::vector<std::string>{"demo-org", "zeta"});

    CHECK(store.set_password("alice", "hash-b", "2026-11-25T09:00:00Z").value());
    CHECK_FALSE(store.set_password("nobody", "hash-b", t0).value());
    auto changed = store.find_user("alice").value();
    CHECK(changed->password_hash == "hash-b");
    CHECK(changed->user.changed_at == "2026-11-25T09:00:00Z");
    CHECK(changed->user.created_at == t0);

    TokenHash first{}, second{}, unknown{};
    first.fill(1);
    second.fill(2);
    unknown.fill(3);
    REQUIRE(
        store.add_session({first, alice.id, std::string(64, 'c'), "2026-11-25T10:00:00Z"}).ok());
    REQUIRE(
        store.add_session({second, alice.id, std::string(64, 'd'), "2026-11-25T10:00:00Z"}).ok());
    // Live: used after the idle cutoff and begun after the absolute one; each use is noted.
    const SessionCutoffs live{"2026-11-25T10:20:00Z", "2026-11-25T09:50:00Z",
                              "2026-11-24T22:20:00Z"};
    auto used = store.use_session(first, live);
    REQUIRE(used.ok());
    REQUIRE(used.value());
    CHECK(used.value()->user.name == "alice");
    CHECK(used.value()->csrf_secret == std::string(64, 'c'));
    CHECK(used.value()->created_at == "2026-11-25T10:00:00Z");
    CHECK_FALSE(store.use_session(unknown, live).value());
    // Idle: its last use (10:20) is at or before the idle cutoff; an expired session is gone.
    const SessionCutoffs idle{"2026-11-25T10:50:00Z", "2026-11-25T10:20:00Z",
                              "2026-11-24T22:50:00Z"};
    CHECK_FALSE(store.use_session(first, idle).value());
    CHECK_FALSE(store.use_session(first, live).value());
    // Too old, however recently used: it began at or before the absolute cutoff.
    const SessionCutoffs too_old{"2026-11-25T22:00:00Z", "2026-11-25T09:00:00Z",
                                 "2026-11-25T10:00:00Z"};
    CHECK_FALSE(store.use_session(second, too_old).value());

    // Sign-out ends one session; ending it again is no error.
    REQUIRE(
        store.add_session({first, alice.id, std::string(64, 'e'), "2026-11-25T10:00:00Z"}).ok());
    REQUIRE(store.end_session(first).ok());
    REQUIRE(store.end_session(first).ok());
    CHECK_FALSE(store.use_session(first, live).value());

    // Disabling ends every session of the user and keeps the others'.
    REQUIRE(
        store.add_session({first, alice.id, std::string(64, 'f'), "2026-11-25T10:00:00Z"}).ok());
    REQUIRE(
        store.add_session({second, viewer.id, std::string(64, 'g'), "2026-11-25T10:00:00Z"}).ok());
    CHECK(store.disable_user("alice", "2026-11-25T10:30:00Z").value());
    CHECK_FALSE(store.disable_user("nobody", t0).value());
    CHECK_FALSE(store.use_session(first, live).value());
    CHECK(store.use_session(second, live).value());
    CHECK(store.find_user("alice").value()->user.disabled);
}

TEST_CASE("server store: management assessments keep their full history") {
    auto backend = GENERATE(from_range(backends()));
    INFO("backend " << backend.name);
    FreshStore fresh(backend);
    auto& store = *fresh.store;
    const auto& url = fresh.url;
    CHECK(store.assessments("o", 10).value().empty());
    CHECK_FALSE(latest_assessment(store, "o").value());

    SavedAssessment first{0,
                          "o",
                          "admin token 3",
                          "2026-11-30T09:00:00Z",
                          "{\"org\": \"o\"}\n",
                          true,
                          R"({"1.1":3})",
                          "审核员 A",
                          "2026-11-29",
                          "第一次 first"};
    SavedAssessment second = first;
    second.saved_by = "certifier 王";
    second.saved_at = "2026-11-30T10:00:00Z";
    second.conformity_passed = false;
    second.auditor = second.assessed_on = second.notes = "";
    SavedAssessment elsewhere = first;
    elsewhere.org = "other";
    auto first_id = store.add_assessment(first);
    auto other_id = store.add_assessment(elsewhere);
    auto second_id = store.add_assessment(second);
    REQUIRE(first_id.ok());
    REQUIRE(other_id.ok());
    REQUIRE(second_id.ok());
    CHECK(first_id.value() < second_id.value());
    first.id = first_id.value();
    second.id = second_id.value();
    elsewhere.id = other_id.value();

    // Newest first; nothing replaced; the other org's kept apart.
    CHECK(store.assessments("o", 10).value() == std::vector<SavedAssessment>{second, first});
    CHECK(store.assessments("o", 1).value() == std::vector<SavedAssessment>{second});
    CHECK(latest_assessment(store, "o").value() == second);
    CHECK(latest_assessment(store, "other").value() == elsewhere);
    // Kept across reopening.
    CHECK(latest_assessment(*open_store(url).value(), "o").value() == second);
}

TEST_CASE("server store: heartbeats and the device list") {
    auto backend = GENERATE(from_range(backends()));
    INFO("backend " << backend.name);
    test::TempDir dir;
    auto opened = open_store(backend.url(dir));
    REQUIRE(opened.ok());
    auto& store = *opened.value();
    CHECK(store.device_activity("o").value().empty());

    // Known by a token only, by a bound key only, by records only, by a heartbeat only.
    REQUIRE(store
                .add_token("sel-a", TokenHash{}, {0, Role::Device, "o", "hq", "tokened"},
                           "2026-11-25T08:00:00Z")
                .ok());
    REQUIRE(store
                .add_token("sel-b", TokenHash{}, {0, Role::Device, "o", "south", "tokened"},
                           "2026-11-25T09:00:00Z")
                .ok());  // its newest token names its site
    REQUIRE(store
                .add_token("sel-c", TokenHash{}, {0, Role::Viewer, "o", "", ""},
                           "2026-11-25T09:00:00Z")
                .ok());  // not a device
    REQUIRE(store.bind_key("o", "keyed", std::string(64, 'a'), "2026-11-25T09:00:00Z").ok());
    // Its last upload: the latest batch that stored or duplicated records of it.
    const auto recorded = stored_batch("o", "north", "recorded", 1, 3);
    REQUIRE(store.ingest(recorded, "2026-11-25T10:00:00Z").ok());
    REQUIRE(store.ingest(recorded, "2026-11-25T10:05:00Z").ok());  // duplicates
    auto conflicting = stored_batch("o", "north", "recorded", 1, 1);
    conflicting[0].canonical += " ";  // other bytes under a stored id: not an upload of it
    REQUIRE(store.ingest(conflicting, "2026-11-25T10:09:00Z").value()[0] ==
            RecordOutcome::Conflict);
    Heartbeat first{"0.1.0", 60, 3, 1, "2026-11-25T09:59:00Z", 5'000'000'000, -1500};
    REQUIRE(store.put_heartbeat({"o", "hq", "beating", "2026-11-25T10:00:00Z", first}).ok());
    Heartbeat latest{"0.1.1", 7, 0, 0, std::nullopt, 42, std::nullopt};
    REQUIRE(store.put_heartbeat({"o", "east", "beating", "2026-11-25T10:10:00Z", latest}).ok());
    REQUIRE(store.put_heartbeat({"other", "hq", "elsewhere", "2026-11-25T10:00:00Z", first}).ok());

    auto devices = store.device_activity("o");
    REQUIRE(devices.ok());
    const std::vector<DeviceActivity> expected{
        {"", "keyed", std::nullopt, std::nullopt, 0},
        // The latest heartbeat replaced the first, site and all; null fields stay null.
        {"east", "beating", DeviceHeartbeat{"o", "east", "beating", "2026-11-25T10:10:00Z", latest},
         std::nullopt, 0},
        {"north", "recorded", std::nullopt, "2026-11-25T10:05:00Z", 3},
        {"south", "tokened", std::nullopt, std::nullopt, 0},
    };
    CHECK(devices.value() == expected);
    auto other = store.device_activity("other");
    REQUIRE(other.ok());
    REQUIRE(other.value().size() == 1);
    CHECK(other.value()[0].heartbeat->heartbeat == first);
}

TEST_CASE(
    "sqlite store: a version 1 database is migrated to the current version and keeps its rows") {
    test::TempDir dir;
    const auto path = (dir / "server.db").string();
    {
        auto db = sqlite::Connection::open(path);
        REQUIRE(db.ok());
        REQUIRE(sqlite::migrate(db.value(), sqlite_schema_versions().first(1)).ok());
        REQUIRE(db.value()
                    .exec("INSERT INTO responses(id, org, site, device, seq, submitted_at, "
                          "received_at, canonical) VALUES ('r1', 'o', 'hq', 'k1', 1, "
                          "'2025-11-25T10:01:00Z', '2025-11-25T10:02:00Z', '{}')")
                    .ok());
    }
    REQUIRE(open_sqlite_store(path).ok());
    auto db = sqlite::Connection::open(path, {sqlite::Access::ReadOnly});
    REQUIRE(db.ok());
    CHECK(db.value().user_version().value() ==
          static_cast<std::int64_t>(sqlite_schema_versions().size()));
    sqlite::Statement row(db.value(), "SELECT id, server_flags, key, late FROM responses");
    REQUIRE(row.step().value());
    CHECK(row.text(0) == "r1");
    CHECK(row.text(1) == "[]");
    CHECK(row.is_null(2));  // stored unsigned, before integrity
    CHECK(row.integer(3) == 0);
    // Its day is marked stale: the first score rebuilds it from the record.
    sqlite::Statement day(db.value(),
                          "SELECT org, site, device, day, length(state) FROM day_states");
    REQUIRE(day.step().value());
    CHECK(day.text(0) == "o");
    CHECK(day.text(1) == "hq");
    CHECK(day.text(2) == "k1");
    CHECK(day.text(3) == "2025-11-25");
    CHECK(day.integer(4) == 0);
    CHECK_FALSE(day.step().value());
}

TEST_CASE("sqlite store: a newer schema is refused as TooNew and never re-stamped") {
    test::TempDir dir;
    const auto path = (dir / "server.db").string();
    {
        auto db = sqlite::Connection::open(path);
        REQUIRE(db.ok());
        REQUIRE(db.value().exec("CREATE TABLE from_the_future(x); PRAGMA user_version = 99;").ok());
    }
    auto opened = open_store("sqlite:" + path);
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().kind == ErrorKind::TooNew);
    const auto known = "(" + std::to_string(server_schema_steps().size()) + ")";
    CHECK_THAT(opened.error().message, Catch::Contains("99") && Catch::Contains(known));
    auto db = sqlite::Connection::open(path, {sqlite::Access::ReadOnly});
    REQUIRE(db.ok());
    CHECK(db.value().user_version().value() == 99);
    CHECK_FALSE(db.value().exec("SELECT * FROM responses").ok());
}

TEST_CASE("database URLs") {
    CHECK(parse_db_url("sqlite:/var/lib/cx/db.sqlite").value().location == "/var/lib/cx/db.sqlite");
    CHECK(parse_db_url("sqlite:rel.db").value().kind == DbUrl::Kind::Sqlite);
    CHECK(parse_db_url("postgres://cx@db/cx").value().kind == DbUrl::Kind::Postgres);
    CHECK(parse_db_url("postgresql://cx@db/cx").value().location == "postgresql://cx@db/cx");
    CHECK_FALSE(parse_db_url("sqlite:").ok());
    CHECK_FALSE(parse_db_url("/plain/path.db").ok());
    CHECK_FALSE(parse_db_url("mysql://x").ok());
    // Nothing listens on port 1: refused at once, as a network error naming PostgreSQL.
    auto postgres = open_store("postgresql://cx@127.0.0.1:1/cx");
    REQUIRE_FALSE(postgres.ok());
    CHECK(postgres.error().kind == ErrorKind::Network);
    CHECK_THAT(postgres.error().message, Catch::Contains("PostgreSQL"));
    CHECK_FALSE(open_store("sqlite:/nonexistent-dir/x/y.db").ok());
}

TEST_CASE("sqlite store: a v2 row stored unsigned is upgraded by its sealed version, once") {
    test::TempDir dir;
    const auto path = (dir / "server.db").string();
    auto unsigned_record = test::make_unsigned_response("o", "hq", "k1", 1);
    {
        auto db = sqlite::Connection::open(path);
        REQUIRE(db.ok());
        REQUIRE(sqlite::migrate(db.value(), sqlite_schema_versions().first(2)).ok());
        sqlite::Statement insert(db.value(),
                                 "INSERT INTO responses(id, org, site, device, seq, submitted_at, "
                                 "received_at, canonical) VALUES (?1, 'o', 'hq', 'k1', 1, ?2, "
                                 "'2025-11-25T10:02:00Z', ?3)");
        REQUIRE(insert.bind(1, unsigned_record.id)
                    .bind(2, unsigned_record.submitted_at)
                    .bind(3, to_canonical_json(unsigned_record))
                    .run()
                    .ok());
    }
    auto store = open_sqlite_store(path);
    REQUIRE(store.ok());
    AppendingFolder folder;
    auto ingest = [&](const Response& record) {
        auto row = stored_record(record);
        auto outcome = store.value()->ingest({&row, 1}, "2026-11-25T12:00:00Z", folder);
        REQUIRE(outcome.ok());
        return outcome.value().at(0);
    };
    auto sealed = test::make_response("o", "hq", "k1", 1);
    CHECK(ingest(sealed) == RecordOutcome::Stored);  // the upgrade
    CHECK(ingest(sealed) == RecordOutcome::Duplicate);
    // The migration marked its day stale (empty); the upgrade was folded into it as one.
    std::vector<std::string> states;
    REQUIRE(store.value()
                ->for_each_day_state({"o", {}, {}, {}},
                                     [&](const DayStateRow& row) { states.push_back(row.state); })
                .ok());
    CHECK(states == std::vector<std::string>{" 1u"});
    CHECK(export_all(*store.value(), {"o", {}, {}, {}}) ==
          std::vector<std::string>{to_canonical_json(sealed)});
    CHECK(is_sealed_version_of(to_canonical_json(sealed), to_canonical_json(unsigned_record)));
    CHECK_FALSE(is_sealed_version_of(to_canonical_json(sealed), to_canonical_json(sealed)));
}

TEST_CASE(
    "sqlite store: keys bound before enrolment codes keep their trust through the migration") {
    test::TempDir dir;
    const auto path = (dir / "server.db").string();
    const std::string pinned(64, 'a'), bound(64, 'b');
    {
        auto db = sqlite::Connection::open(path);
        REQUIRE(db.ok());
        REQUIRE(sqlite::migrate(db.value(), sqlite_schema_versions().first(4)).ok());
        sqlite::Statement insert(db.value(),
                                 "INSERT INTO device_keys(org, device, key, trusted, bound_at)"
                                 " VALUES ('o', 'k1', ?1, ?2, '2026-11-25T12:00:00Z')");
        for (auto [key, trust] : {std::pair{&pinned, "tofu"}, std::pair{&bound, "admin"}})
            REQUIRE(insert.reset().bind(1, *key).bind(2, trust).run().ok());
    }
    auto store = open_sqlite_store(path);
    REQUIRE(store.ok());
    CHECK(store.value()->device_keys("o", "k1").value() ==
          std::vector<DeviceKey>{{"k1", pinned, KeyTrust::Tofu, "2026-11-25T12:00:00Z"},
                                 {"k1", bound, KeyTrust::Admin, "2026-11-25T12:00:00Z"}});
}

TEST_CASE("both backends have one list of schema versions") {
    CHECK(sqlite_schema_versions().size() == server_schema_steps().size());
    CHECK(postgres_schema_versions().size() == server_schema_steps().size());
}

TEST_CASE("postgresql store: a version 1 database is migrated and keeps its rows") {
    const auto url = test::TestPostgres::shared().fresh_database();
    {
        auto db = postgres::Connection::open(url);
        REQUIRE(db.ok());
        REQUIRE(postgres::migrate(db.value(), postgres_schema_versions().first(1)).ok());
        REQUIRE(db.value()
                    .exec("INSERT INTO responses(id, org, site, device, seq, submitted_at, "
                          "received_at, canonical) VALUES ('r1', 'o', 'hq', 'k1', 1, "
                          "'2025-11-25T10:01:00Z', '2025-11-25T10:02:00Z', "
                          "'{\"status\":\"incomplete\"}')")
                    .ok());
    }
    REQUIRE(open_store(url).ok());
    auto db = postgres::Connection::open(url);
    REQUIRE(db.ok());
    auto version = db.value().query("SELECT version FROM cx_schema_version");
    CHECK(version.value().integer(0, 0) == static_cast<std::int64_t>(server_schema_steps().size()));
    auto row =
        db.value().query("SELECT id, server_flags, key IS NULL, late, complete FROM responses");
    REQUIRE(row.value().size() == 1);
    CHECK(row.value().text(0, 0) == "r1");
    CHECK(row.value().text(0, 1) == "[]");
    CHECK(row.value().text(0, 2) == "t");  // stored unsigned, before integrity
    CHECK(row.value().text(0, 3) == "f");
    CHECK(row.value().text(0, 4) == "f");  // an incomplete record, found in its bytes
}

TEST_CASE("postgresql store: a newer schema is refused as TooNew and never re-stamped") {
    const auto url = test::TestPostgres::shared().fresh_database();
    {
        auto db = postgres::Connection::open(url);
        REQUIRE(db.ok());
        REQUIRE(db.value()
                    .exec("CREATE TABLE cx_schema_version (version integer NOT NULL);"
                          "INSERT INTO cx_schema_version VALUES (99)")
                    .ok());
    }
    auto opened = open_store(url);
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().kind == ErrorKind::TooNew);
    CHECK_THAT(opened.error().message, Catch::Contains("99") && Catch::Contains("newer"));
    auto db = postgres::Connection::open(url);
    REQUIRE(db.ok());
    CHECK(db.value().query("SELECT version FROM cx_schema_version").value().integer(0, 0) == 99);
    CHECK_FALSE(db.value().exec("SELECT * FROM responses").ok());
}

TEST_CASE("postgresql store: two instances on one database") {
    const auto url = test::TestPostgres::shared().fresh_database();
    auto first = open_store(url, 4);
    auto second = open_store(url, 4);
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    ServerStore* instances[] = {first.value().get(), second.value().get()};
    const std::string now = "2026-11-25T12:00:00Z";

    SECTION("the same batch sent to both at once is stored once; the other answers duplicate") {
        for (int round = 0; round < 10; ++round) {
            auto batch = stored_batch("o", "hq", "k1", 1 + 50 * round, 50);
            std::vector<RecordOutcome> outcomes[2];
            std::atomic<bool> failed = false;
            {
                std::vector<std::jthread> senders;
                for (int i = 0; i < 2; ++i)
                    senders.emplace_back([&, i] {
                        auto done = instances[i]->ingest(batch, now);
                        if (!done) {
                            failed = true;
                            return;
                        }
                        outcomes[i] = done.value();
                    });
            }
            REQUIRE_FALSE(failed);
            const bool first_stored = outcomes[0].front() == RecordOutcome::Stored;
            CHECK(outcomes[first_stored ? 0 : 1] ==
                  std::vector<RecordOutcome>(50, RecordOutcome::Stored));
            CHECK(outcomes[first_stored ? 1 : 0] ==
                  std::vector<RecordOutcome>(50, RecordOutcome::Duplicate));
        }
        CHECK(export_all(*instances[0], {"o", {}, {}, {}}).size() == 500);
        CHECK(instances[1]->late_arrivals("o").value().at("k1") == 0);
    }

    SECTION(
        "one device's chain ingested by both at once: late arrivals as if one after the other") {
        // One instance gets the odd seqs 1…99, the other the even ones 2…100, at the same
        // moment. Either order one after the other makes 49 or 50 of them late (the evens
        // below 99, or all the odds below 100); two transactions that both read the chain
        // before the other wrote would find none late. Ten devices, ten races.
        constexpr int kDevices = 10;
        std::atomic<bool> failed = false;
        for (int d = 0; d < kDevices; ++d) {
            const auto device = "k" + std::to_string(d);
            std::vector<StoredRecord> halves[2];
            for (int seq = 1; seq <= 100; ++seq)
                halves[seq % 2 == 1 ? 0 : 1].push_back(
                    stored(test::make_response("o", "hq", device, seq)));
            std::vector<std::jthread> senders;
            for (int i = 0; i < 2; ++i)
                senders.emplace_back([&, i] {
                    if (!instances[i]->ingest(halves[i], now)) failed = true;
                });
        }
        REQUIRE_FALSE(failed);
        auto late = instances[0]->late_arrivals("o").value();
        REQUIRE(late.size() == kDevices);
        for (const auto& [device, count] : late) {
            INFO(device);
            CHECK((count == 49 || count == 50));
        }
    }
}
