// cxserver backup / restore of the embedded SQLite database (deploy/README.md
// "Back up and restore"): a copy taken while batches are being stored holds
// whole batches only, restores into a working store, and bad backups are
// refused without touching the database.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "cx/server/cxserver_app.hpp"
#include "cx/server/server_store.hpp"
#include "cx/sqlite/connection.hpp"
#include "run_cli.hpp"
#include "sync_test_support.hpp"

using cx::test::run_cli;

namespace {

cx::test::CliRun cxserver(const std::vector<std::string>& args) {
    return run_cli(cx::run_cxserver, {"cxserver"}, args);
}

constexpr std::size_t kBatch = 100;

std::size_t record_count(const std::string& db) {
    auto store = cx::open_store(db);
    REQUIRE(store.ok());
    std::size_t records = 0;
    REQUIRE(cx::for_each_record(*store.value(), {"o", {}, {}, {}}, [&](std::string_view) {
                ++records;
            }).ok());
    return records;
}

}  // namespace

TEST_CASE("cxserver backup while batches arrive: each copy holds whole batches and restores") {
    cx::test::TempDir dir;
    const auto db = "sqlite:" + (dir / "cx.db").string();
    auto store = cx::open_store(db);
    REQUIRE(store.ok());
    std::atomic<bool> ingest_failed = false, copies_taken = false;
    std::atomic<std::int64_t> batches_stored = 0;
    // Batches keep arriving until every copy is taken, so each copy is taken mid-stream.
    std::thread ingesting([&] {
        for (std::int64_t batch = 0; !copies_taken && !ingest_failed; ++batch) {
            std::vector<cx::StoredRecord> records;
            for (std::size_t i = 0; i < kBatch; ++i)
                records.push_back(cx::stored_record(cx::test::make_response(
                    "o", "hq", "k1", batch * static_cast<std::int64_t>(kBatch) + 1 + i)));
            if (store.value()->ingest(records, "2025-11-26T10:00:00Z").ok())
                ++batches_stored;
            else
                ingest_failed = true;
        }
    });
    std::size_t previous = 0;
    for (int copy = 0; copy < 4; ++copy) {
        // Wait for a batch stored since the previous copy.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (static_cast<std::size_t>(batches_stored) * kBatch <= previous &&
               std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        const std::size_t stored_before = static_cast<std::size_t>(batches_stored) * kBatch;
        const auto file = (dir / ("backup-" + std::to_string(copy) + ".db")).string();
        auto backed_up = cxserver({"backup", "--db", db, "--out", file});
        REQUIRE(backed_up.exit_code == 0);
        CHECK_THAT(backed_up.out, Catch::Matches("sha256: [0-9a-f]{64}\nbytes: [0-9]+\n"));
        struct stat info {};
        REQUIRE(::stat(file.c_str(), &info) == 0);
        CHECK((info.st_mode & 0777) == 0600);  // responses and token hashes: the owner's alone

        const auto restored = "sqlite:" + (dir / ("restored-" + std::to_string(copy))).string();
        REQUIRE(cxserver({"restore", "--db", restored, "--from", file}).exit_code == 0);
        const auto count = record_count(restored);
        INFO("copy " << copy << " holds " << count << " records");
        CHECK(count % kBatch == 0);  // whole batches only
        CHECK(count >= stored_before);
        CHECK(count > previous);
        previous = count;
    }
    copies_taken = true;
    ingesting.join();
    REQUIRE_FALSE(ingest_failed);
    // A restore replaces what was there: the last copy over the first restored database.
    const auto target = "sqlite:" + (dir / "restored-0").string();
    REQUIRE(cxserver({"backup", "--db", db, "--out", (dir / "final.db").string()}).exit_code == 0);
    REQUIRE(
        cxserver({"restore", "--db", target, "--from", (dir / "final.db").string()}).exit_code ==
        0);
    CHECK(record_count(target) == static_cast<std::size_t>(batches_stored) * kBatch);
}

TEST_CASE("cxserver restore refuses a file that is no good cxserver backup and changes nothing") {
    cx::test::TempDir dir;
    const auto db = "sqlite:" + (dir / "cx.db").string();
    REQUIRE(cxserver({"add-token", "--db", db, "--role", "viewer", "--org", "o"}).exit_code == 0);
    auto unchanged = [&] {
        auto listed = cxserver({"list-tokens", "--db", db});
        return cx::test::split_lines(listed.out).size() == 2;
    };
    auto refused = [&](const std::filesystem::path& file, const std::string& why) {
        auto restored = cxserver({"restore", "--db", db, "--from", file.string()});
        CHECK(restored.exit_code == 3);
        CHECK_THAT(restored.err, Catch::Contains(why));
        CHECK(unchanged());
    };
    std::ofstream(dir / "junk.db") << "not a database at all, not even the header\n";
    refused(dir / "junk.db", "not a database");
    {
        auto other = cx::sqlite::Connection::open((dir / "other.db").string());
        REQUIRE(other.ok());
        REQUIRE(other.value().exec("CREATE TABLE notes(text)").ok());
    }
    refused(dir / "other.db", "not a cxserver database");
    REQUIRE(cxserver({"backup", "--db", db, "--out", (dir / "newer.db").string()}).exit_code == 0);
    {
        auto newer = cx::sqlite::Connection::open((dir / "newer.db").string());
        REQUIRE(newer.ok());
        REQUIRE(newer.value().exec("PRAGMA user_version=999").ok());
    }
    refused(dir / "newer.db", "newer than this program");

    CHECK(cxserver({"restore", "--db", db, "--from", (dir / "missing.db").string()}).exit_code ==
          2);
    auto postgres = cxserver(
        {"backup", "--db", "postgresql://cx@127.0.0.1:5432/cx", "--out", (dir / "pg").string()});
    CHECK(postgres.exit_code == 2);
    CHECK_THAT(postgres.err, Catch::Contains("pg_dump"));
    CHECK(cxserver({"backup", "--db", db, "--out", (dir / "no-dir" / "b.db").string()}).exit_code ==
          7);
    CHECK(cxserver({"backup", "--db", "sqlite:" + (dir / "absent.db").string(), "--out",
                    (dir / "b.db").string()})
              .exit_code == 4);
    CHECK_FALSE(std::filesystem::exists(dir / "b.db"));
}
