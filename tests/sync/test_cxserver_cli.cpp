// cxserver's command line run in-process: usage errors, the exit codes of
// cx/config/exit_codes.hpp, and a token to revoke taken only from stdin.
#include <catch2/catch.hpp>

#include "cx/server/cxserver_app.hpp"
#include "cx/server/server_store.hpp"
#include "run_cli.hpp"
#include "sync_test_support.hpp"
#include "test_postgres_server.hpp"

using cx::test::run_cli;

namespace {

cx::test::CliRun cxserver(const std::vector<std::string>& args) {
    return run_cli(cx::run_cxserver, {"cxserver"}, args);
}

// A fresh database of each backend: every subcommand takes either --db.
std::string fresh_db(const std::string& backend, const cx::test::TempDir& dir) {
    if (backend == "postgresql") return cx::test::TestPostgres::shared().fresh_database();
    return "sqlite:" + (dir / "db").string();
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
    auto silent = cxserver({"serve", "--db", db, "--silent-after", "30 minutes"});
    CHECK(silent.exit_code == 2);
    CHECK_THAT(silent.err, Catch::Contains("--silent-after") && Catch::Contains("like 90s"));
    CHECK(cxserver({"serve", "--db", db, "--low-disk-mb", "-1"}).exit_code == 2);
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
    const std::string backend = GENERATE("sqlite", "postgresql");
    INFO("backend " << backend);
    const auto db = fresh_db(backend, dir);
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

TEST_CASE("cxserver list-tokens: ids, roles and bindings, never a token, revoked ones with --all") {
    cx::test::TempDir dir;
    const std::string backend = GENERATE("sqlite", "postgresql");
    INFO("backend " << backend);
    const auto db = fresh_db(backend, dir);
    std::vector<std::string> tokens;
    for (std::vector<std::string> grant :
         {std::vector<std::string>{"--role", "viewer", "--org", "o"},
          {"--role", "device", "--org", "o", "--site", "hq", "--device", "kiosk-01"},
          {"--role", "admin", "--org", "other"}}) {
        grant.insert(grant.begin(), {"add-token", "--db", db});
        auto issued = cxserver(grant);
        REQUIRE(issued.exit_code == 0);
        tokens.push_back(cx::test::split_lines(issued.out).back());
    }
    REQUIRE(cxserver({"revoke-token", "--db", db, "--id", "1"}).exit_code == 0);

    auto active = cxserver({"list-tokens", "--db", db});
    REQUIRE(active.exit_code == 0);
    auto lines = cx::test::split_lines(active.out);
    REQUIRE(lines.size() == 3);
    CHECK_THAT(lines[0], Catch::Matches("id +role +org +site +device +created"));
    CHECK_THAT(lines[1], Catch::Matches("2 +device +o +hq +kiosk-01 +20[0-9-]+T[0-9:]+Z"));
    CHECK_THAT(lines[2], Catch::Matches("3 +admin +other +- +- +20[0-9-]+T[0-9:]+Z"));

    auto of_org = cx::test::split_lines(cxserver({"list-tokens", "--db", db, "--org", "o"}).out);
    REQUIRE(of_org.size() == 2);
    CHECK_THAT(of_org[1], Catch::StartsWith("2 "));

    auto all = cxserver({"list-tokens", "--db", db, "--all"});
    auto all_lines = cx::test::split_lines(all.out);
    REQUIRE(all_lines.size() == 4);
    CHECK_THAT(all_lines[0], Catch::EndsWith("revoked"));
    CHECK_THAT(all_lines[1],
               Catch::Matches("1 +viewer +o +- +- +20[0-9-]+T[0-9:]+Z +20[0-9-]+T[0-9:]+Z"));
    CHECK_THAT(all_lines[2], Catch::EndsWith(" -"));
    for (const auto& token : tokens) CHECK_THAT(all.out, !Catch::Contains(token.substr(0, 16)));
}

TEST_CASE("cxserver add-token --pubkey binds a device's key, a malformed key or role exits 2") {
    cx::test::TempDir dir;
    const std::string backend = GENERATE("sqlite", "postgresql");
    INFO("backend " << backend);
    const auto db = fresh_db(backend, dir);
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

TEST_CASE(
    "cxserver on PostgreSQL: export writes the org's records, an unreachable server exits 4") {
    cx::test::TempDir dir;
    const auto db = cx::test::TestPostgres::shared().fresh_database();
    {
        auto store = cx::open_store(db);
        REQUIRE(store.ok());
        std::vector<cx::StoredRecord> batch;
        for (int seq = 1; seq <= 3; ++seq)
            batch.push_back(cx::stored_record(cx::test::make_response("o", "hq", "k1", seq)));
        REQUIRE(store.value()->ingest(batch, "2026-11-25T12:00:00Z").ok());
    }
    const auto out = dir / "o.jsonl";
    auto exported = cxserver({"export", "--db", db, "--org", "o", "--out", out.string()});
    CHECK(exported.exit_code == 0);
    CHECK_THAT(exported.err, Catch::Contains("wrote 3 records"));

    // Nothing listens on port 1.
    auto unreachable = cxserver(
        {"add-token", "--db", "postgresql://cx@127.0.0.1:1/cx", "--role", "viewer", "--org", "o"});
    CHECK(unreachable.exit_code == 4);
    CHECK_THAT(unreachable.err, Catch::Contains("PostgreSQL") && Catch::Contains("connect"));
}

TEST_CASE("cxserver add-user, passwd-user, disable-user, list-users: passwords only from stdin") {
    cx::test::TempDir dir;
    const auto db = fresh_db("sqlite", dir);
    auto add = [&](const std::vector<std::string>& args, const std::string& input) {
        cx::test::StdinText stdin_text(input);
        std::vector<std::string> all{"add-user", "--db", db};
        all.insert(all.end(), args.begin(), args.end());
        return cxserver(all);
    };
    const std::string password = "a long passphrase\n";
    auto added = add({"--name", "carla", "--role", "certifier"}, password);
    CHECK(added.exit_code == 0);
    CHECK(added.out.find("name: carla\nrole: certifier\n") != std::string::npos);
    CHECK(added.out.find("passphrase") == std::string::npos);  // never echoed
    CHECK(add({"--name", "vic", "--role", "viewer", "--org", "demo-org"}, password).exit_code == 0);

    // A missing or short password is bad input (3); a broken rule or a taken name is usage (2).
    auto empty = add({"--name", "ann", "--role", "certifier"}, "");
    CHECK(empty.exit_code == 3);
    CHECK_THAT(empty.err, Catch::Contains("no password on stdin"));
    auto short_one = add({"--name", "ann", "--role", "certifier"}, "short\n");
    CHECK(short_one.exit_code == 3);
    CHECK_THAT(short_one.err, Catch::Contains("at least 10 characters"));
    CHECK(add({"--name", "ann", "--role", "viewer"}, password).exit_code == 2);  // no --org
    CHECK(add({"--name", "ann", "--role", "certifier", "--org", "o"}, password).exit_code == 2);
    CHECK(add({"--name", "ann", "--role", "admin"}, password).exit_code == 2);
    CHECK(add({"--name", "bad name", "--role", "certifier"}, password).exit_code == 2);
    auto taken = add({"--name", "carla", "--role", "certifier"}, password);
    CHECK(taken.exit_code == 2);
    CHECK_THAT(taken.err, Catch::Contains("exists already"));

    {
        cx::test::StdinText input("another long one\n");
        CHECK(cxserver({"passwd-user", "--db", db, "--name", "carla"}).exit_code == 0);
    }
    {
        cx::test::StdinText input("another long one\n");
        CHECK(cxserver({"passwd-user", "--db", db, "--name", "nobody"}).exit_code == 8);
    }
    CHECK(cxserver({"disable-user", "--db", db, "--name", "vic"}).exit_code == 0);
    CHECK(cxserver({"disable-user", "--db", db, "--name", "nobody"}).exit_code == 8);
    auto listed = cxserver({"list-users", "--db", db});
    CHECK(listed.exit_code == 0);
    CHECK_THAT(listed.out, Catch::StartsWith("carla  certifier  -  active  "));
    CHECK_THAT(listed.out, Catch::Contains("\nvic  viewer  demo-org  disabled  "));
    CHECK_THAT(listed.out, !Catch::Contains("$argon2id"));
}
