// Full disk, server (issue 12): the database's own filesystem (a small tmpfs
// the test mounts: the SQLite file's folder, or a PostgreSQL tablespace holding
// the database) fills up while a kiosk uploads. cxserver answers 503
// `unavailable` with a clear reason, stores no part of the batch, keeps
// serving, and stores everything once space returns. Runs on the backend of
// CX_TEST_BACKEND.
#include <catch2/catch.hpp>

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "cx/postgres/connection.hpp"
#include "cx/sync/uploader.hpp"
#include "small_tmpfs.hpp"
#include "sync_test_support.hpp"
#include "test_postgres_server.hpp"

using namespace cx;
using namespace std::chrono_literals;

namespace {

bool on_postgresql() {
    const char* backend = std::getenv("CX_TEST_BACKEND");
    return backend && std::string_view(backend) == "postgresql";
}

// A database whose files live on `disk`: for SQLite the file itself, for
// PostgreSQL a database created in a tablespace there (its WAL stays on the
// server's own disk, as on a server whose data volume fills up).
class DatabaseOnSmallDisk {
  public:
    explicit DatabaseOnSmallDisk(const test::TempDir& dir) {
        if (!on_postgresql()) {
            disk_ = std::make_unique<test::SmallTmpfs>(dir / "disk", "size=4m");
            url_ = "sqlite:" + (disk_->path() / "server.db").string();
            return;
        }
        // PostgreSQL runs as `postgres` and must own the tablespace's folder.
        const passwd* postgres = ::getpwnam("postgres");
        REQUIRE(postgres);
        disk_ = std::make_unique<test::SmallTmpfs>(
            dir / "disk", "size=32m,mode=0700,uid=" + std::to_string(postgres->pw_uid) +
                              ",gid=" + std::to_string(postgres->pw_gid));
        std::filesystem::permissions(dir.path(), std::filesystem::perms::others_exec,
                                     std::filesystem::perm_options::add);
        auto& server = test::TestPostgres::shared();
        name_ = "cxfull_" + std::to_string(::getpid());
        auto admin = postgres::Connection::open(server.url("postgres"));
        REQUIRE(admin.ok());
        REQUIRE(
            admin.value()
                .exec("CREATE TABLESPACE " + name_ + " LOCATION '" + disk_->path().string() + "'")
                .ok());
        REQUIRE(admin.value().exec("CREATE DATABASE " + name_ + " TABLESPACE " + name_).ok());
        url_ = server.url(name_);
    }
    ~DatabaseOnSmallDisk() {
        if (name_.empty()) return;
        auto admin = postgres::Connection::open(test::TestPostgres::shared().url("postgres"));
        if (!admin) return;
        (void)admin.value().exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        (void)admin.value().exec("DROP TABLESPACE IF EXISTS " + name_);
    }
    DatabaseOnSmallDisk(const DatabaseOnSmallDisk&) = delete;
    DatabaseOnSmallDisk& operator=(const DatabaseOnSmallDisk&) = delete;

    const std::string& url() const { return url_; }
    test::SmallTmpfs& disk() { return *disk_; }

  private:
    std::unique_ptr<test::SmallTmpfs> disk_;
    std::string name_;  // PostgreSQL: the tablespace's and the database's
    std::string url_;
};

}  // namespace

TEST_CASE("cxserver on a full disk answers 503, stores no part of a batch and recovers") {
    test::TempDir dir;
    DatabaseOnSmallDisk database(dir);
    const auto& db = database.url();
    const auto token = test::add_token(
        db, {"--role", "device", "--org", "demo-org", "--site", "hq", "--device", "kiosk-01"});
    test::ServerProcess server(db);
    ClientConfig config;
    config.server_url = server.url();
    config.token = token;
    config.connect_timeout = 2s;
    config.total_timeout = 30s;
    config.retry.base = 10ms;
    config.retry.cap = 20ms;
    config.retry.max_attempts = 1;

    test::MemoryOutbox before(test::make_records("demo-org", "hq", "kiosk-01", 1, 300));
    REQUIRE(sync_once(before, config).ok);

    database.disk().fill_leaving(0);
    test::MemoryOutbox during(test::make_records("demo-org", "hq", "kiosk-01", 301, 1500));
    for (int attempt = 0; attempt < 3; ++attempt) {
        auto refused = sync_once(during, config);
        INFO("attempt " << attempt << ": " << refused.detail);
        CHECK_FALSE(refused.ok);
        CHECK(refused.http_status == 503);
        CHECK_THAT(refused.detail, Catch::Contains("full") || Catch::Contains("space"));
        CHECK(during.waiting() == 1500);
    }
    CHECK(::kill(server.pid(), 0) == 0);  // still serving

    // Read once there is room again (nothing writes before the next upload): a new
    // PostgreSQL connection to a database on a full disk fails ("could not write init
    // file"), so the test's own reader must not open one while it is full.
    database.disk().empty_filler();
    auto held = test::stored_ids(db);
    CHECK(held.lines == 300);  // nothing of the refused batches
    CHECK(held.unique() == 300);
    auto recovered = sync_once(during, config);
    INFO(recovered.detail);
    CHECK(recovered.ok);
    CHECK(recovered.remaining == 0);
    auto stored = test::stored_ids(db);
    CHECK(stored.lines == 1800);
    CHECK(stored.unique() == 1800);
    INFO(server.log());
    CHECK_THAT(server.log(), Catch::Contains("503"));
}
