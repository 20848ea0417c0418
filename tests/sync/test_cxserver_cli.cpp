// cxserver's command line run in-process: usage errors, the exit codes of
// cx/config/exit_codes.hpp, and a token to revoke taken only from stdin.
#include <catch2/catch.hpp>

#include "cx/server/cxserver_app.hpp"
#include "cx/server/server_store.hpp"
#include "run_cli.hpp"
#include "sync_test_support.hpp"

using cx::test::run_cli;

namespace {

cx::test::CliRun cxserver(const std::vector<std::string>& args) {
    return run_cli(cx::run_cxserver, {"cxserver"}, args);
}

}  // namespace

TEST_CASE("cxserver --help lists every exit code it uses") {
    cx::test::check_help_lists(
        cxserver({"--help"}), {"0  success", "1  failure", "2  usage error", "3  bad data",
                               "4  store or database", "7  the output file", "8  nothing matched"});
}

TEST_CASE("cxserver: bad command lines exit 2, database failures 4, an unwritable output 7") {
    cx::test::TempDir dir;
    const auto db = "sqlite:" + (dir / "db").string();
    CHECK(cxserver({}).exit_code == 2);
    CHECK(cxserver({"serve"}).exit_code == 2);
    CHECK(cxserver({"serve", "--db", db, "--listen", "nowhere"}).exit_code == 2);
    CHECK(cxserver({"add-token", "--db", db, "--role", "device", "--org", "o"}).exit_code == 2);
    CHECK(cxserver({"serve", "--db", db, "--config", (dir / "no-config").string()}).exit_code == 3);

    auto unknown_db = cxserver({"serve", "--db", "mysql://x"});
    CHECK(unknown_db.exit_code == 4);
    auto unopenable = cxserver({"add-token", "--db", "sqlite:" + (dir / "no-dir" / "db").string(),
                                "--role", "viewer", "--org", "o"});
    CHECK(unopenable.exit_code == 4);
    CHECK_THAT(unopenable.err, Catch::StartsWith("cxserver: "));

    auto export_bad = cxserver(
        {"export", "--db", db, "--org", "o", "--out", (dir / "no-such-dir" / "x.jsonl").string()});
    CHECK(export_bad.exit_code == 7);
    CHECK_THAT(export_bad.err, Catch::Contains("no-such-dir"));
    CHECK(cxserver({"export", "--db", db, "--org", "o", "--out", (dir / "x.jsonl").string(),
                    "--from", "yesterday"})
              .exit_code == 2);
}

TEST_CASE("cxserver revoke-token: the token on stdin, never as an argument, 8 when none matches") {
    cx::test::TempDir dir;
    const auto db = "sqlite:" + (dir / "db").string();
    auto issued = cxserver({"add-token", "--db", db, "--role", "viewer", "--org", "o"});
    REQUIRE(issued.exit_code == 0);
    const auto token = cx::test::split_lines(issued.out).back();

    auto as_argument = cxserver({"revoke-token", "--db", db, "--token", token});
    CHECK(as_argument.exit_code == 2);
    CHECK_THAT(as_argument.err, Catch::Contains("stdin") && Catch::Contains("process list"));
    {
        cx::test::StdinText input("");
        CHECK(cxserver({"revoke-token", "--db", db}).exit_code == 2);
    }
    {
        cx::test::StdinText input(token + "\n");
        auto revoked = cxserver({"revoke-token", "--db", db});
        CHECK(revoked.exit_code == 0);
        CHECK(revoked.out == "revoked\n");
    }
    {
        cx::test::StdinText input(token + "\n");
        auto again = cxserver({"revoke-token", "--db", db});
        CHECK(again.exit_code == 8);
        CHECK_THAT(again.err, Catch::Contains("no active token"));
    }
    CHECK(cxserver({"revoke-token", "--db", db, "--id", "77"}).exit_code == 8);
}

TEST_CASE("cxserver add-token --pubkey binds a device's key, a malformed key or role exits 2") {
    cx::test::TempDir dir;
    const auto db = "sqlite:" + (dir / "db").string();
    const auto key = cx::test::test_signing_key().public_key().hex();
    const std::vector<std::string> device{"add-token", "--db",     db,  "--role",
                                          "device",    "--org",    "o", "--site",
                                          "hq",        "--device", "k1"};
    auto with = [&](std::vector<std::string> args, std::vector<std::string> more) {
        args.insert(args.end(), more.begin(), more.end());
        return args;
    };
    auto malformed = cxserver(with(device, {"--pubkey", "03A1"}));
    CHECK(malformed.exit_code == 2);
    CHECK_THAT(malformed.err, Catch::Contains("--pubkey"));
    CHECK(cxserver({"add-token", "--db", db, "--role", "viewer", "--org", "o", "--pubkey", key})
              .exit_code == 2);

    auto bound = cxserver(with(device, {"--pubkey", key}));
    REQUIRE(bound.exit_code == 0);
    CHECK_THAT(bound.out, Catch::Contains("pubkey: " + key));
    auto store = cx::open_store(db);
    REQUIRE(store.ok());
    auto keys = store.value()->device_keys("o", "k1");
    REQUIRE(keys.ok());
    REQUIRE(keys.value().size() == 1);
    CHECK(keys.value()[0].key == key);
    CHECK(keys.value()[0].trusted == cx::KeyTrust::Admin);
}
