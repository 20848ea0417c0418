// One suite for every ServerStore backend (SQLite today; PostgreSQL joins the
// backend list when it exists).
#include <catch2/catch.hpp>

#include "cx/server/server_store.hpp"
#include "sync_test_support.hpp"

using namespace cx;

namespace {

// Each backend: a name and how to open a fresh, empty store of it.
struct Backend {
    std::string name;
    std::function<std::string(const test::TempDir&)> url;
};

std::vector<Backend> backends() {
    return {{"sqlite",
             [](const test::TempDir& dir) { return "sqlite:" + (dir / "server.db").string(); }}};
}

StoredRecord stored(const Response& r) {
    return {r.id, r.org, r.site, r.device, r.seq, r.submitted_at, to_canonical_json(r)};
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

}  // namespace

TEST_CASE("server store suite") {
    auto backend = GENERATE(from_range(backends()));
    test::TempDir dir;
    auto opened = open_store(backend.url(dir));
    REQUIRE(opened.ok());
    auto& store = *opened.value();
    INFO("backend " << backend.name);
    const std::string now = "2026-11-25T12:00:00Z";

    SECTION("new records are stored, a byte-identical re-send counts as duplicates") {
        auto batch = stored_batch("o", "hq", "k1", 1, 10);
        CHECK(store.ingest(batch, now).ack == BatchAck{10, 0});
        auto again = store.ingest(batch, now);
        CHECK(again.status == IngestStatus::Stored);
        CHECK(again.ack == BatchAck{0, 10});
        CHECK(export_all(store, {"o", {}, {}, {}}).size() == 10);
    }

    SECTION("the same id with other content refuses the whole batch, nothing of it is stored") {
        store.ingest(stored_batch("o", "hq", "k1", 1, 3), now);
        auto batch = stored_batch("o", "hq", "k1", 4, 3);  // new records…
        auto changed = test::make_response("o", "hq", "k1", 2);
        changed.answers[0].level = changed.answers[0].level == 5 ? 4 : 5;
        batch.push_back(stored(changed));  // …and one clashing with a stored id
        auto result = store.ingest(batch, now);
        CHECK(result.status == IngestStatus::Conflict);
        CHECK(result.conflict_index == 3);
        CHECK(export_all(store, {"o", {}, {}, {}}).size() == 3);
    }

    SECTION("an id twice in one batch: same bytes is a duplicate, other bytes a conflict") {
        auto batch = stored_batch("o", "hq", "k1", 1, 2);
        batch.push_back(batch[0]);
        CHECK(store.ingest(batch, now).ack == BatchAck{2, 1});
        auto clash = stored_batch("o", "hq", "k1", 5, 1);
        clash.push_back(clash[0]);
        clash.back().canonical += " ";
        CHECK(store.ingest(clash, now).status == IngestStatus::Conflict);
    }

    SECTION("export orders by device then seq, pages without gaps, and filters") {
        store.ingest(stored_batch("o", "north", "k2", 1, 25), now);
        store.ingest(stored_batch("o", "south", "k1", 1, 25), now);
        store.ingest(stored_batch("other", "x", "k9", 1, 5), now);
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
}

TEST_CASE("stored records survive reopening the database") {
    test::TempDir dir;
    auto url = "sqlite:" + (dir / "server.db").string();
    open_store(url).value()->ingest(stored_batch("o", "hq", "k1", 1, 4), "2026-11-25T12:00:00Z");
    CHECK(export_all(*open_store(url).value(), {"o", {}, {}, {}}).size() == 4);
}

TEST_CASE("database URLs") {
    CHECK(parse_db_url("sqlite:/var/lib/cx/db.sqlite").value().location == "/var/lib/cx/db.sqlite");
    CHECK(parse_db_url("sqlite:rel.db").value().kind == DbUrl::Kind::Sqlite);
    CHECK(parse_db_url("postgres://cx@db/cx").value().kind == DbUrl::Kind::Postgres);
    CHECK(parse_db_url("postgresql://cx@db/cx").value().location == "postgresql://cx@db/cx");
    CHECK_FALSE(parse_db_url("sqlite:").ok());
    CHECK_FALSE(parse_db_url("/plain/path.db").ok());
    CHECK_FALSE(parse_db_url("mysql://x").ok());
    auto postgres = open_store("postgres://cx@db/cx");
    REQUIRE_FALSE(postgres.ok());
    CHECK_THAT(postgres.error().message, Catch::Contains("PostgreSQL"));
    CHECK_FALSE(open_store("sqlite:/nonexistent-dir/x/y.db").ok());
}
