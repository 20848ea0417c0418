// HTTPS with a test CA made by the openssl CLI: trusted with --ca, refused
// with a wrong CA and with the system trust store.
#include <catch2/catch.hpp>

#include <regex>

#include "cx/sync/uploader.hpp"
#include "sync_test_support.hpp"

using namespace cx;

namespace {

void openssl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto result = test::run_command(argv);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
}

// A CA and, if `server` is set, a certificate for 127.0.0.1 signed by it.
void make_ca(const test::TempDir& dir, const std::string& name) {
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", (dir / (name + ".key")).string(), "-out", (dir / (name + ".pem")).string(),
             "-days", "2", "-subj", "/CN=" + name});
}

void make_server_cert(const test::TempDir& dir, const std::string& ca) {
    auto ext = dir / "ext.cnf";
    test::run_command(
        {"/bin/sh", "-c",
         "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > '" + ext.string() + "'"});
    openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", (dir / "server.key").string(), "-out", (dir / "server.csr").string(),
             "-subj", "/CN=127.0.0.1"});
    openssl({"x509", "-req", "-in", (dir / "server.csr").string(), "-CA",
             (dir / (ca + ".pem")).string(), "-CAkey", (dir / (ca + ".key")).string(),
             "-CAcreateserial", "-out", (dir / "server.pem").string(), "-days", "2", "-extfile",
             ext.string()});
}

struct TlsFixture {
    test::TempDir certs;
    std::unique_ptr<test::ServerFixture> fixture;
    TlsFixture() {
        make_ca(certs, "test-ca");
        make_ca(certs, "wrong-ca");
        make_server_cert(certs, "test-ca");
        fixture = std::make_unique<test::ServerFixture>(
            std::vector<std::string>{"--tls-cert", (certs / "server.pem").string(), "--tls-key",
                                     (certs / "server.key").string()});
    }
};

}  // namespace

TEST_CASE_METHOD(TlsFixture, "HTTPS upload with the test CA succeeds and other CAs are refused",
                 "[sqlite]") {
    auto records = test::make_records("demo-org", "hq", "kiosk-01", 1, 20);
    auto config = fixture->client_config();
    REQUIRE(config.server_url.starts_with("https://127.0.0.1:"));

    SECTION("trusted private CA") {
        test::MemoryOutbox outbox(records);
        config.ca_file = (certs / "test-ca.pem").string();
        auto report = sync_once(outbox, config);
        CHECK(report.ok);
        CHECK(report.remaining == 0);
        CHECK(test::split_lines(fixture->export_with_cli()).size() == 20);
    }
    SECTION("a wrong CA is a TLS failure and nothing is marked sent") {
        test::MemoryOutbox outbox(records);
        config.ca_file = (certs / "wrong-ca.pem").string();
        UploadClient client(config);
        auto result = client.post_batch(records);
        CHECK(result.transport == TransportError::Tls);
        CHECK_FALSE(sync_once(outbox, config).ok);
        CHECK(outbox.waiting() == 20);
        CHECK(fixture->export_with_cli().empty());
    }
    SECTION("verification is on by default: the system store does not know the test CA") {
        UploadClient client(config);
        CHECK(client.post_batch(records).transport == TransportError::Tls);
    }
}

TEST_CASE("cxserver refuses TLS files it cannot use", "[sqlite]") {
    test::TempDir dir;
    auto junk = dir / "junk.pem";
    test::run_command({"/bin/sh", "-c", "echo junk > '" + junk.string() + "'"});
    auto result =
        test::run_command({CXSERVER_PATH, "serve", "--db", "sqlite:" + (dir / "db").string(),
                           "--listen", "127.0.0.1:0", "--config", CX_TEST_CONFIG_DIR, "--tls-cert",
                           junk.string(), "--tls-key", junk.string()});
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.err, Catch::Contains("TLS"));
}

TEST_CASE_METHOD(TlsFixture, "console cookies are Secure under HTTPS", "[sqlite]") {
    auto added = test::run_command(
        {CXSERVER_PATH, "add-user", "--db", fixture->db, "--name", "carla", "--role", "certifier"},
        "correct horse battery\n");
    REQUIRE(added.exit_code == 0);
    const auto ca = (certs / "test-ca.pem").string();
    const auto jar = (certs / "cookies.txt").string();
    auto page = test::run_command(
        {"/usr/bin/curl", "-s", "-i", "--cacert", ca, "-c", jar, fixture->server->url() + "/"});
    REQUIRE(page.exit_code == 0);
    CHECK_THAT(page.out, Catch::Contains("; HttpOnly; SameSite=Strict; Path=/; Secure"));
    auto token_at = page.out.find("name=\"csrf\" value=\"");
    REQUIRE(token_at != std::string::npos);
    const auto token = page.out.substr(token_at + 19, 64);
    auto signed_in =
        test::run_command({"/usr/bin/curl", "-s", "-i", "--cacert", ca, "-b", jar, "--data",
                           "name=carla&password=correct+horse+battery&csrf=" + token,
                           fixture->server->url() + "/signin"});
    REQUIRE(signed_in.exit_code == 0);
    CHECK_THAT(signed_in.out, Catch::Contains("HTTP/1.1 303"));
    CHECK(std::regex_search(signed_in.out,
                            std::regex("Set-Cookie: cx_session=[0-9a-f]{64}; HttpOnly; "
                                       "SameSite=Strict; Path=/; Secure\r\n")));
}
