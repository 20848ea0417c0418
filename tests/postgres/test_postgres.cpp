// cx_postgres against a real PostgreSQL 15 started by the test (TestPostgres).
#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <string_view>
#include <thread>

#include "cx/postgres/array_literal.hpp"
#include "cx/postgres/connection.hpp"
#include "cx/postgres/migrate.hpp"
#include "cx/postgres/pool.hpp"
#include "cx/postgres/transaction.hpp"
#include "test_postgres_server.hpp"

using namespace cx;
using namespace cx::postgres;
using cx::test::TestPostgres;

namespace {

Connection connect(const std::string& url) {
    auto connection = Connection::open(url);
    INFO((connection ? "" : connection.error().message));
    REQUIRE(connection.ok());
    return std::move(connection).value();
}

constexpr std::array<std::string_view, 2> kVersions = {
    "CREATE TABLE notes (id bigint PRIMARY KEY, body text NOT NULL)",
    "ALTER TABLE notes ADD COLUMN author text",
};

}  // namespace

TEST_CASE("queries take parameters as text, NULL and UTF-8 included") {
    auto db = connect(TestPostgres::shared().fresh_database());
    REQUIRE(db.exec("CREATE TABLE t (id bigint PRIMARY KEY, name text)").ok());
    REQUIRE(db.query("INSERT INTO t VALUES ($1, $2), ($3, $4)",
                     {"1", "符合预期 '; DROP TABLE t; --", "2", std::nullopt})
                .ok());
    auto rows = db.query("SELECT id, name FROM t ORDER BY id");
    REQUIRE(rows.ok());
    REQUIRE(rows.value().size() == 2);
    CHECK(rows.value().integer(0, 0) == 1);
    CHECK(rows.value().text(0, 1) == "符合预期 '; DROP TABLE t; --");
    CHECK(rows.value().nullable_text(1, 1) == std::nullopt);
    auto updated = db.query("UPDATE t SET name = 'x'");
    CHECK(updated.value().affected() == 2);
}

TEST_CASE("a prepared statement is prepared once per connection and reused") {
    auto db = connect(TestPostgres::shared().fresh_database());
    REQUIRE(db.exec("CREATE TABLE t (id bigint PRIMARY KEY)").ok());
    for (int id = 1; id <= 3; ++id) {
        REQUIRE(db.prepare("insert_t", "INSERT INTO t VALUES ($1)").ok());
        REQUIRE(db.run_prepared("insert_t", {std::to_string(id)}).ok());
    }
    auto statements = db.query("SELECT count(*) FROM pg_prepared_statements");
    CHECK(statements.value().integer(0, 0) == 1);
    CHECK(db.query("SELECT count(*) FROM t").value().integer(0, 0) == 3);
}

TEST_CASE("errors carry a kind by SQLSTATE class and the server's message") {
    auto db = connect(TestPostgres::shared().fresh_database());
    REQUIRE(db.exec("CREATE TABLE t (id bigint PRIMARY KEY)").ok());
    REQUIRE(db.query("INSERT INTO t VALUES (1)").ok());
    auto duplicate = db.query("INSERT INTO t VALUES (1)");
    REQUIRE_FALSE(duplicate.ok());
    CHECK(duplicate.error().kind == ErrorKind::Store);
    CHECK_THAT(duplicate.error().message, Catch::Contains("SQLSTATE 23505"));
    CHECK_THAT(db.exec("SELEKT 1").error().message, Catch::Contains("syntax error"));

    auto unreachable = Connection::open("postgresql://postgres@127.0.0.1:1/none?connect_timeout=2");
    REQUIRE_FALSE(unreachable.ok());
    CHECK(unreachable.error().kind == ErrorKind::Network);
}

TEST_CASE("a transaction rolls back unless committed, and a serialization failure is Busy") {
    const auto url = TestPostgres::shared().fresh_database();
    auto db = connect(url);
    REQUIRE(db.exec("CREATE TABLE t (id bigint PRIMARY KEY, n bigint)").ok());
    {
        Transaction transaction(db);
        REQUIRE(transaction.begun().ok());
        REQUIRE(db.query("INSERT INTO t VALUES (1, 0)").ok());
    }
    CHECK(db.query("SELECT count(*) FROM t").value().integer(0, 0) == 0);
    {
        Transaction transaction(db);
        REQUIRE(db.query("INSERT INTO t VALUES (1, 0)").ok());
        REQUIRE(transaction.commit().ok());
    }
    CHECK(db.query("SELECT count(*) FROM t").value().integer(0, 0) == 1);

    auto other = connect(url);
    Transaction first(db, Isolation::Serializable);
    Transaction second(other, Isolation::Serializable);
    REQUIRE(db.query("SELECT n FROM t WHERE id = 1").ok());
    REQUIRE(other.query("SELECT n FROM t WHERE id = 1").ok());
    REQUIRE(db.query("UPDATE t SET n = n + 1 WHERE id = 1").ok());
    REQUIRE(first.commit().ok());
    auto conflicting = other.query("UPDATE t SET n = n + 1 WHERE id = 1");
    REQUIRE_FALSE(conflicting.ok());
    CHECK(conflicting.error().kind == ErrorKind::Busy);
}

TEST_CASE("migrations: all steps once, again nothing, a newer database refused untouched") {
    auto db = connect(TestPostgres::shared().fresh_database());
    auto first = migrate(db, std::span(kVersions).first(1));
    REQUIRE(first.ok());
    CHECK(first.value().from == 0);
    CHECK(first.value().to == 1);
    auto second = migrate(db, kVersions);
    REQUIRE(second.ok());
    CHECK(second.value().from == 1);
    CHECK(second.value().to == 2);
    REQUIRE(db.query("INSERT INTO notes VALUES (1, 'b', 'a')").ok());
    CHECK(migrate(db, kVersions).value().from == 2);

    auto older_program = migrate(db, std::span(kVersions).first(1));
    REQUIRE_FALSE(older_program.ok());
    CHECK(older_program.error().kind == ErrorKind::TooNew);
    CHECK(db.query("SELECT version FROM cx_schema_version").value().integer(0, 0) == 2);
}

TEST_CASE("migrations: several instances starting at once migrate once") {
    const auto url = TestPostgres::shared().fresh_database();
    std::atomic<int> migrated{0}, failed{0};
    std::vector<std::thread> instances;
    for (int i = 0; i < 4; ++i)
        instances.emplace_back([&] {
            auto db = Connection::open(url);
            if (!db) return void(++failed);
            auto result = migrate(db.value(), kVersions);
            if (!result) return void(++failed);
            if (result.value().from == 0) ++migrated;
        });
    for (auto& instance : instances) instance.join();
    CHECK(failed == 0);
    CHECK(migrated == 1);
}

TEST_CASE("the pool hands out at most its size, waits with a deadline, heals broken links") {
    const auto url = TestPostgres::shared().fresh_database();
    Pool pool(url, 2);
    auto a = pool.acquire();
    auto b = pool.acquire();
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    auto c = pool.acquire(std::chrono::milliseconds(100));
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().kind == ErrorKind::Busy);

    auto pid = a.value()->query("SELECT pg_backend_pid()").value().integer(0, 0);
    { auto released = std::move(a).value(); }
    // The server ends that connection (as a restart or an admin would).
    REQUIRE(
        b.value()->query("SELECT pg_terminate_backend($1::integer)", {std::to_string(pid)}).ok());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (b.value()
                   ->query("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::integer",
                           {std::to_string(pid)})
                   .value()
                   .integer(0, 0) != 0 &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::thread waiter([&] {
        auto again = pool.acquire(std::chrono::seconds(10));
        REQUIRE(again.ok());
        auto answered = again.value()->query("SELECT 1");
        INFO((answered ? "" : answered.error().message));
        CHECK(answered.ok());
    });
    waiter.join();
}

TEST_CASE("a connection URL that is not PostgreSQL's gives a clear error") {
    auto bad = Connection::open("postgresql://postgres@127.0.0.1:notaport/db");
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error().message, Catch::Contains("PostgreSQL: cannot connect"));
}

TEST_CASE("an array literal carries any text as one parameter, NULL included") {
    auto db = connect(TestPostgres::shared().fresh_database());
    const std::vector<std::string> texts = {"plain",    R"({"a":"b\"c"})", "back\\slash",
                                            "a,b",      "{braces}",        "NULL",
                                            "符合预期", " spaced "};
    ArrayLiteral array;
    for (const auto& text : texts) array.add(text);
    array.add_or_null("");
    auto rows =
        db.query("SELECT value IS NULL, value FROM unnest($1::text[]) AS value", {array.finish()});
    REQUIRE(rows.ok());
    REQUIRE(rows.value().size() == static_cast<int>(texts.size()) + 1);
    for (int i = 0; i < static_cast<int>(texts.size()); ++i) {
        CHECK(rows.value().text(i, 0) == "f");
        CHECK(rows.value().text(i, 1) == texts[static_cast<std::size_t>(i)]);
    }
    CHECK(rows.value().text(static_cast<int>(texts.size()), 0) == "t");
}
