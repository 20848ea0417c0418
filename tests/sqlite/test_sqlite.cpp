#include <catch2/catch.hpp>

#include <array>
#include <filesystem>
#include <fstream>
#include <random>

#include "cx/sqlite/connection.hpp"
#include "cx/sqlite/migrate.hpp"
#include "cx/sqlite/statement.hpp"
#include "cx/sqlite/transaction.hpp"

using namespace cx;
using namespace cx::sqlite;

namespace {

struct TempFile {
    std::filesystem::path dir;
    std::filesystem::path path;
    TempFile() {
        std::random_device random;
        dir = std::filesystem::temp_directory_path() /
              ("cx-sqlite-test-" + std::to_string(random()) + std::to_string(random()));
        std::filesystem::create_directories(dir);
        path = dir / "db.sqlite3";
    }
    ~TempFile() { std::filesystem::remove_all(dir); }
};

Connection open_memory() {
    auto opened = Connection::open(":memory:");
    REQUIRE(opened.ok());
    return std::move(opened.value());
}

std::int64_t count_rows(Connection& db, std::string_view table) {
    Statement count(db, "SELECT COUNT(*) FROM " + std::string(table));
    REQUIRE(count.step().value());
    return count.integer(0);
}

constexpr std::array<std::string_view, 2> kTwoVersions{
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
    "ALTER TABLE t ADD COLUMN note TEXT NOT NULL DEFAULT '';",
};

}  // namespace

TEST_CASE("a writer gets WAL, synchronous=FULL, foreign keys and the busy timeout") {
    TempFile file;
    auto db =
        Connection::open(file.path.string(), {Access::ReadWrite, std::chrono::milliseconds(1234)});
    REQUIRE(db.ok());
    auto pragma = [&](std::string_view name) {
        Statement query(db.value(), "PRAGMA " + std::string(name));
        REQUIRE(query.step().value());
        return std::string(query.text(0));
    };
    CHECK(pragma("journal_mode") == "wal");
    CHECK(pragma("synchronous") == "2");  // FULL
    CHECK(pragma("foreign_keys") == "1");
    CHECK(pragma("busy_timeout") == "1234");
}

TEST_CASE("a reader cannot write and sees what the writer committed") {
    TempFile file;
    auto writer = Connection::open(file.path.string());
    REQUIRE(writer.ok());
    REQUIRE(writer.value().exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (7);").ok());
    auto reader = Connection::open(file.path.string(), {Access::ReadOnly});
    REQUIRE(reader.ok());
    CHECK(count_rows(reader.value(), "t") == 1);
    auto written = reader.value().exec("INSERT INTO t VALUES (8)");
    REQUIRE_FALSE(written.ok());
    CHECK(written.error().kind == ErrorKind::Store);
}

TEST_CASE("a file that is not a database is Damaged, a missing one for a reader is a Store error") {
    TempFile file;
    std::ofstream(file.path) << std::string(4096, 'x');
    auto opened = Connection::open(file.path.string());
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().kind == ErrorKind::Damaged);
    CHECK_THAT(opened.error().message, Catch::Contains(file.path.string()));

    auto missing = Connection::open((file.dir / "none.sqlite3").string(), {Access::ReadOnly});
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().kind == ErrorKind::Store);
    CHECK_FALSE(std::filesystem::exists(file.dir / "none.sqlite3"));
}

TEST_CASE("statements: prepared once, reused after reset, typed columns") {
    auto db = open_memory();
    REQUIRE(db.exec("CREATE TABLE t (n INTEGER, s TEXT, b BLOB, z TEXT)").ok());
    Statement insert(db, "INSERT INTO t VALUES (?1, ?2, ?3, ?4)");
    const std::array<unsigned char, 3> bytes{1, 0, 2};
    for (std::int64_t n = 1; n <= 3; ++n) {
        std::string text = "row " + std::to_string(n);
        REQUIRE(insert.reset()
                    .bind(1, n)
                    .bind(2, text)
                    .bind_blob(3, bytes)
                    .bind_nullable(4, std::optional<std::string>{})
                    .run()
                    .ok());
    }
    CHECK(db.changes() == 1);
    CHECK(db.last_insert_rowid() == 3);
    Statement select(db, "SELECT n, s, b, z FROM t ORDER BY n");
    std::int64_t rows = 0;
    while (select.step().value()) {
        ++rows;
        CHECK(select.integer(0) == rows);
        CHECK(select.text(1) == "row " + std::to_string(rows));
        CHECK(std::equal(select.blob(2).begin(), select.blob(2).end(), bytes.begin(), bytes.end()));
        CHECK(select.is_null(3));
        CHECK_FALSE(select.is_null(0));
    }
    CHECK(rows == 3);
}

TEST_CASE("statement errors are sticky until reset, a preparing error stays") {
    auto db = open_memory();
    REQUIRE(db.exec("CREATE TABLE t (n INTEGER NOT NULL UNIQUE)").ok());
    Statement insert(db, "INSERT INTO t VALUES (?1)");

    SECTION("a bind to a parameter that does not exist") {
        insert.bind(2, std::int64_t{1}).bind(1, std::int64_t{1});
        auto run = insert.run();
        REQUIRE_FALSE(run.ok());
        CHECK_THAT(run.error().message, Catch::Contains("?2"));
        CHECK(count_rows(db, "t") == 0);  // nothing ran after the failed bind
        CHECK(insert.reset().bind(1, std::int64_t{1}).run().ok());
        CHECK(count_rows(db, "t") == 1);
    }
    SECTION("a constraint failure in a step") {
        REQUIRE(insert.bind(1, std::int64_t{5}).run().ok());
        auto again = insert.reset().bind(1, std::int64_t{5}).run();
        REQUIRE_FALSE(again.ok());
        CHECK(again.error().kind == ErrorKind::Store);
        CHECK_THAT(again.error().message, Catch::Contains("UNIQUE"));
        CHECK_FALSE(insert.status().ok());
        CHECK(insert.reset().status().ok());
    }
    SECTION("preparing") {
        Statement broken(db, "SELEC nonsense");
        CHECK_FALSE(broken.status().ok());
        CHECK_FALSE(broken.reset().step().ok());
        CHECK_THAT(broken.status().error().message, Catch::Contains("SELEC nonsense"));
    }
}

TEST_CASE("a transaction commits, or rolls back when it is left without commit") {
    auto db = open_memory();
    REQUIRE(db.exec("CREATE TABLE t (n INTEGER)").ok());
    {
        auto tx = Transaction::begin(db);
        REQUIRE(tx.ok());
        REQUIRE(db.exec("INSERT INTO t VALUES (1)").ok());
    }
    CHECK(count_rows(db, "t") == 0);
    {
        auto tx = Transaction::begin(db);
        REQUIRE(tx.ok());
        REQUIRE(db.exec("INSERT INTO t VALUES (1)").ok());
        REQUIRE(tx.value().commit().ok());
        CHECK_FALSE(tx.value().commit().ok());  // once only
    }
    CHECK(count_rows(db, "t") == 1);
}

TEST_CASE("a second writer is Busy while the first holds the write lock") {
    TempFile file;
    auto first = Connection::open(file.path.string());
    auto second =
        Connection::open(file.path.string(), {Access::ReadWrite, std::chrono::milliseconds(0)});
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    auto held = Transaction::begin(first.value());
    REQUIRE(held.ok());
    auto blocked = Transaction::begin(second.value());
    REQUIRE_FALSE(blocked.ok());
    CHECK(blocked.error().kind == ErrorKind::Busy);
}

TEST_CASE("migrations run the missing versions once and stamp user_version") {
    TempFile file;
    {
        auto db = Connection::open(file.path.string());
        REQUIRE(db.ok());
        auto first = migrate(db.value(), std::span(kTwoVersions).first(1));
        REQUIRE(first.ok());
        CHECK(first.value().from == 0);
        CHECK(first.value().to == 1);
        REQUIRE(db.value().exec("INSERT INTO t (name) VALUES ('kept')").ok());
    }
    auto db = Connection::open(file.path.string());
    REQUIRE(db.ok());
    auto second = migrate(db.value(), kTwoVersions);
    REQUIRE(second.ok());
    CHECK(second.value().from == 1);
    CHECK(second.value().to == 2);
    CHECK(db.value().user_version().value() == 2);
    Statement row(db.value(), "SELECT name, note FROM t");
    REQUIRE(row.step().value());
    CHECK(row.text(0) == "kept");
    CHECK(row.text(1).empty());
    auto again = migrate(db.value(), kTwoVersions);
    REQUIRE(again.ok());
    CHECK(again.value().from == 2);
}

TEST_CASE("a failed migration step leaves the schema as it was") {
    auto db = open_memory();
    constexpr std::array<std::string_view, 2> broken{kTwoVersions[0], "ALTER TABLE nope ADD x;"};
    auto migrated = migrate(db, broken);
    REQUIRE_FALSE(migrated.ok());
    CHECK_THAT(migrated.error().message, Catch::Contains("schema version 2"));
    CHECK(db.user_version().value() == 0);
    CHECK_FALSE(db.exec("SELECT * FROM t").ok());  // version 1 rolled back too
}

TEST_CASE("a schema newer than the program is refused as TooNew and not touched") {
    auto db = open_memory();
    REQUIRE(db.exec("CREATE TABLE future (x); PRAGMA user_version = 5;").ok());
    auto migrated = migrate(db, kTwoVersions);
    REQUIRE_FALSE(migrated.ok());
    CHECK(migrated.error().kind == ErrorKind::TooNew);
    CHECK_THAT(migrated.error().message, Catch::Contains("5") && Catch::Contains("(2)"));
    CHECK(db.user_version().value() == 5);
    CHECK_FALSE(db.exec("SELECT * FROM t").ok());
    CHECK(check_schema_version(db, 2).error().kind == ErrorKind::TooNew);
    CHECK(check_schema_version(db, 5).value() == 5);
}

TEST_CASE("quick_check passes on a sound database") {
    auto db = open_memory();
    CHECK(db.quick_check().ok());
}
