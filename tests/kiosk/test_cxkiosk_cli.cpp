// cxkiosk's command line run in-process: usage errors, the exit codes of
// cx/config/exit_codes.hpp, and the upload token kept off the command line.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

#include "cx/kiosk/cxkiosk_app.hpp"
#include "cx/kiosk/recovery.hpp"
#include "kiosk_test_support.hpp"
#include "run_cli.hpp"

using cx::kiosk::test::TempDir;
using cx::test::run_cli;

namespace {

cx::test::CliRun cxkiosk(const std::vector<std::string>& args) {
    return run_cli(cx::run_cxkiosk, {"cxkiosk", "--config-dir", CX_TEST_CONFIG_DIR}, args);
}

// A data dir holding an (empty) store.
struct DataDir : TempDir {
    DataDir() {
        auto key = cx::kiosk::load_device_key(path);
        REQUIRE(key.ok());
        REQUIRE(cx::kiosk::Store::open((path / cx::kiosk::Store::kFileName).string(), key.value()));
    }
    std::string dir() const { return path.string(); }
};

void write_token_file(const std::filesystem::path& data_dir, mode_t mode) {
    const auto file = data_dir / "token";
    std::ofstream(file) << "0123456789abcdef\n";
    REQUIRE(::chmod(file.c_str(), mode) == 0);
}

}  // namespace

TEST_CASE("cxkiosk --help lists every exit code it uses") {
    cx::test::check_help_lists(
        cxkiosk({"--help"}),
        {"0  success", "2  usage error", "3  bad data", "4  store or database", "5  no display",
         "6  records are still waiting", "7  the output file"});
    CHECK_THAT(cxkiosk({"export", "--help"}).out, Catch::Contains("7  the output file"));
}

TEST_CASE("cxkiosk: bad command lines exit 2") {
    DataDir data;
    CHECK(cxkiosk({"--bogus"}).exit_code == 2);
    CHECK(cxkiosk({"--size", "wide"}).exit_code == 2);
    CHECK(cxkiosk({"export", "--data-dir", data.dir()}).exit_code == 2);  // no --format, --out
    auto format = cxkiosk({"export", "--data-dir", data.dir(), "--format", "pdf", "--out",
                           (data.path / "x.pdf").string()});
    CHECK(format.exit_code == 2);
    CHECK_THAT(format.err, Catch::Contains("jsonl, csv or xlsx"));
    CHECK(cxkiosk({"sync", "--data-dir", data.dir()}).exit_code == 2);  // --once is required
    auto no_server = cxkiosk({"sync", "--once", "--data-dir", data.dir()});
    CHECK(no_server.exit_code == 2);
    CHECK_THAT(no_server.err, Catch::Contains("--server"));
}

TEST_CASE("cxkiosk: secrets on the command line are refused with exit 2, naming where they go") {
    DataDir data;
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--data-dir", data.dir(), "--token", "secret"},
             {"sync", "--once", "--data-dir", data.dir(), "--server", "http://127.0.0.1:9",
              "--token", "secret"}}) {
        auto refused = cxkiosk(args);
        CHECK(refused.exit_code == 2);
        CHECK_THAT(refused.err, Catch::Contains("DATA_DIR/token") &&
                                    Catch::Contains("settings file") &&
                                    Catch::Contains("process list"));
    }
    auto pin = cxkiosk({"set-pin", "--data-dir", data.dir(), "2468"});
    CHECK(pin.exit_code == 2);
    CHECK_THAT(pin.err, Catch::Contains("stdin"));
}

TEST_CASE(
    "cxkiosk sync: the token comes from DATA_DIR/token, only when group and others cannot read "
    "it") {
    DataDir data;
    const std::vector<std::string> sync{"sync",     "--once",   "--data-dir",
                                        data.dir(), "--server", "http://127.0.0.1:9"};
    auto missing = cxkiosk(sync);
    CHECK(missing.exit_code == 2);
    CHECK_THAT(missing.err, Catch::Contains((data.path / "token").string()));

    write_token_file(data.path, 0644);
    auto open_to_others = cxkiosk(sync);
    CHECK(open_to_others.exit_code == 3);
    CHECK_THAT(open_to_others.err, Catch::Contains("chmod 600") && Catch::Contains("644"));

    write_token_file(data.path, 0600);
    // Read and used: the store is empty, so nothing waits and no request is needed.
    auto synced = cxkiosk(sync);
    INFO(synced.err);
    CHECK(synced.exit_code == 0);
    CHECK_THAT(synced.err, Catch::Contains("0 waiting"));
}

TEST_CASE("cxkiosk: a settings file that holds the token must be readable by its owner alone") {
    DataDir data;
    const auto settings = data.path / "kiosk.json";
    std::ofstream(settings) << "{\"data_dir\": \".\", \"server\": \"http://127.0.0.1:9\", "
                               "\"token\": \"0123456789abcdef\"}";
    const std::vector<std::string> sync{"sync", "--once", "--config", settings.string()};
    REQUIRE(::chmod(settings.c_str(), 0644) == 0);
    auto open_to_others = cxkiosk(sync);
    CHECK(open_to_others.exit_code == 3);
    CHECK_THAT(open_to_others.err, Catch::Contains("chmod 600") && Catch::Contains("644"));

    REQUIRE(::chmod(settings.c_str(), 0600) == 0);
    auto synced = cxkiosk(sync);  // an empty store: nothing waits, no request is needed
    INFO(synced.err);
    CHECK(synced.exit_code == 0);
}

TEST_CASE("cxkiosk sync: a store that cannot be read is exit 4, never \"nothing waiting\"") {
    TempDir dir;
    std::ofstream(dir.path / cx::kiosk::Store::kFileName) << "this is not a database, it only "
                                                             "has the store's name";
    write_token_file(dir.path, 0600);
    auto damaged = cxkiosk(
        {"sync", "--once", "--data-dir", dir.path.string(), "--server", "http://127.0.0.1:9"});
    CHECK(damaged.exit_code == 4);
    CHECK_THAT(damaged.err, Catch::Contains(cx::kiosk::Store::kFileName));
    CHECK_THAT(damaged.err, !Catch::Contains("0 waiting"));
}

TEST_CASE("cxkiosk: no store is exit 4, an output file that cannot be written exit 7") {
    TempDir empty;
    auto no_store = cxkiosk({"export", "--data-dir", empty.path.string(), "--format", "jsonl",
                             "--out", (empty.path / "x.jsonl").string()});
    CHECK(no_store.exit_code == 4);
    CHECK_THAT(no_store.err, Catch::Contains("no store here"));
    CHECK(cxkiosk({"audit", "--data-dir", empty.path.string()}).exit_code == 4);
    CHECK(cxkiosk({"sync", "--once", "--data-dir", empty.path.string(), "--server",
                   "http://127.0.0.1:9"})
              .exit_code == 2);  // no token: told before the store is looked for

    DataDir data;
    for (const char* format : {"jsonl", "csv", "xlsx"}) {
        auto unwritable = cxkiosk({"export", "--data-dir", data.dir(), "--format", format, "--out",
                                   (data.path / "no-such-dir" / "x").string()});
        CHECK(unwritable.exit_code == 7);
        CHECK_THAT(unwritable.err, Catch::Contains("no-such-dir"));
    }
    auto audit = cxkiosk({"audit", "--data-dir", data.dir()});
    CHECK(audit.exit_code == 0);
}

TEST_CASE("cxkiosk: a settings file that breaks a rule is exit 3") {
    TempDir dir;
    const auto settings = dir.path / "kiosk.json";
    std::ofstream(settings) << "{\"idle_timeout\": \"soon\"}";
    auto bad = cxkiosk({"audit", "--config", settings.string()});
    CHECK(bad.exit_code == 3);
    CHECK_THAT(bad.err, Catch::Contains(settings.string()));
}

TEST_CASE("cxkiosk: overlapping opening hours are exit 3 at their line, nothing started") {
    TempDir dir;
    const auto settings = dir.path / "kiosk.json";
    std::ofstream(settings) << "{\n  \"opening_hours\": {\n    \"mon\": [\"08:00-12:00\", "
                               "\"11:30-14:00\"]\n  }\n}\n";
    auto bad = cxkiosk({"--config", settings.string(), "--data-dir", (dir.path / "data").string()});
    CHECK(bad.exit_code == 3);
    CHECK_THAT(bad.err, Catch::Contains(settings.string() + ":3: opening_hours: mon: 08:00-12:00 "
                                                            "and 11:30-14:00 overlap"));
    CHECK_FALSE(std::filesystem::exists(dir.path / "data"));  // no store, no window
}

TEST_CASE("cxkiosk status: the store's report as JSON or text, 4 without a store") {
    DataDir data;
    auto json = cxkiosk({"--device", "kiosk-07", "status", "--data-dir", data.dir()});
    INFO(json.err);
    CHECK(json.exit_code == 0);
    CHECK_THAT(json.out, Catch::StartsWith("{") && Catch::Contains("\"device\":\"kiosk-07\"") &&
                             Catch::Contains("\"counts\":{\"complete\":0") &&
                             Catch::Contains("\"schema_version\":") && Catch::EndsWith("}\n"));
    auto text = cxkiosk({"status", "--data-dir", data.dir(), "--format", "text"});
    CHECK(text.exit_code == 0);
    CHECK_FALSE(text.out.empty());
    CHECK(text.out.front() != '{');
    CHECK(cxkiosk({"status", "--data-dir", data.dir(), "--format", "xml"}).exit_code == 2);

    TempDir empty;
    auto none = cxkiosk({"status", "--data-dir", empty.path.string()});
    CHECK(none.exit_code == 4);
    CHECK_THAT(none.err, Catch::Contains("no store here"));
    CHECK(none.out.empty());
}

TEST_CASE("cxkiosk pubkey prints the key the records carry, creating it before first start") {
    TempDir fresh;
    // Not there yet, nor its parent: an installer's first step.
    const auto data_dir = fresh.path / "var" / "kiosk";
    auto printed = cxkiosk({"pubkey", "--data-dir", data_dir.string()});
    INFO(printed.err);
    REQUIRE(printed.exit_code == 0);
    struct stat dir_info {};
    REQUIRE(::stat(data_dir.c_str(), &dir_info) == 0);
    CHECK((dir_info.st_mode & 0777) == 0700);  // responses, key and token: the owner's alone
    REQUIRE(printed.out.size() == 65);
    CHECK(printed.out.back() == '\n');
    const auto key = printed.out.substr(0, 64);
    CHECK(cx::is_lowercase_hex(key, 64));
    struct stat info {};
    REQUIRE(::stat((data_dir / cx::kiosk::kDeviceKeyFileName).c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    CHECK(cxkiosk({"pubkey", "--data-dir", data_dir.string()}).out == printed.out);

    auto opened = cx::kiosk::open_data_dir_store(data_dir);
    REQUIRE(opened.ok());
    auto stored = opened.value().store->append(
        cx::kiosk::test::submission(), cx::kiosk::test::kIdentity,
        cx::kiosk::test::shipped_config().policy, cx::kiosk::test::kNoon);
    REQUIRE(stored.ok());
    CHECK(stored.value().key == key);
    opened.value().store.reset();
    auto status = cxkiosk({"status", "--data-dir", data_dir.string()});
    CHECK_THAT(status.out, Catch::Contains("\"key\":\"" + key + "\"") &&
                               Catch::Contains("\"chain_head\":{\"seq\":1,\"hash\":\"" +
                                               cx::integrity::record_hash(stored.value()) + "\"}"));
}

TEST_CASE("cxkiosk: a device key file others may read is refused with exit 4, never replaced") {
    DataDir data;
    const auto key_file = data.path / cx::kiosk::kDeviceKeyFileName;
    const auto key_text = cx::kiosk::test::slurp(key_file);
    REQUIRE(::chmod(key_file.c_str(), 0644) == 0);
    for (const auto& command : {"status", "pubkey", "audit"}) {
        auto refused = cxkiosk({command, "--data-dir", data.dir()});
        INFO(command);
        CHECK(refused.exit_code == 4);
        CHECK_THAT(refused.err,
                   Catch::Contains(key_file.string()) && Catch::Contains("readable by others"));
        CHECK(refused.out.empty());
    }
    CHECK(cx::kiosk::test::slurp(key_file) == key_text);
}
