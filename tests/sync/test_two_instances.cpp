// Two cxserver processes on one PostgreSQL, as a certifier scales out: kiosks
// upload to both alternately, one batch reaches both at the same moment, and at
// the end one export holds every record once and the integrity report is clean.
// And a database that ends their connections (a restart) costs no upload.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cx/postgres/connection.hpp"
#include "cx/sync/uploader.hpp"
#include "secret_watch.hpp"
#include "sync_test_support.hpp"
#include "test_postgres_server.hpp"

using namespace cx;
using nlohmann::json;

namespace {

std::string batch_body(const std::vector<PendingRecord>& records) {
    std::string body = "{\"responses\":[";
    for (std::size_t i = 0; i < records.size(); ++i)
        body.append(i ? "," : "").append(records[i].json);
    return body + "]}";
}

std::string kiosk_name(int kiosk) {
    return "kiosk-0" + std::to_string(kiosk + 1);
}

}  // namespace

TEST_CASE("two cxserver instances on one PostgreSQL store every record once", "[postgresql]") {
    test::TempDir dir;
    const auto db = test::TestPostgres::shared().fresh_database();
    const auto key = test::test_signing_key().public_key().hex();
    constexpr int kKiosks = 4;
    constexpr int kRounds = 6;
    constexpr std::size_t kPerRound = 150;
    std::vector<std::string> device_tokens;
    for (int kiosk = 0; kiosk <= kKiosks; ++kiosk)  // the last one sends the shared batch
        device_tokens.push_back(
            test::add_token(db, {"--role", "device", "--org", "demo-org", "--site", "hq",
                                 "--device", kiosk_name(kiosk), "--pubkey", key}));
    const auto viewer = test::add_token(db, {"--role", "viewer", "--org", "demo-org"});
    test::ServerProcess instances[] = {test::ServerProcess(db), test::ServerProcess(db)};

    // Each kiosk completes responses and syncs after each round, to one instance and
    // then the other, all kiosks at once.
    std::atomic<int> failed_syncs = 0;
    {
        std::vector<std::jthread> kiosks;
        for (int kiosk = 0; kiosk < kKiosks; ++kiosk)
            kiosks.emplace_back([&, kiosk] {
                test::MemoryOutbox outbox({});
                for (int round = 0; round < kRounds; ++round) {
                    outbox.add(test::make_records("demo-org", "hq", kiosk_name(kiosk),
                                                  1 + static_cast<std::int64_t>(round * kPerRound),
                                                  kPerRound));
                    ClientConfig config;
                    config.server_url = instances[(kiosk + round) % 2].url();
                    config.token = device_tokens[static_cast<std::size_t>(kiosk)];
                    auto report = sync_once(outbox, config);
                    if (!report.ok || report.remaining != 0) ++failed_syncs;
                }
            });
    }
    CHECK(failed_syncs == 0);

    // One batch reaches both instances at the same moment (a kiosk's retry after a
    // lost reply, sent through another load-balancer path): stored once, and both
    // answer truthfully, one "stored", the other "duplicates".
    const auto shared = test::make_records("demo-org", "hq", kiosk_name(kKiosks), 1, 300);
    json acks[2];
    {
        std::vector<std::jthread> senders;
        for (int i = 0; i < 2; ++i)
            senders.emplace_back([&, i] {
                httplib::Client http("127.0.0.1", instances[i].port());
                http.set_read_timeout(30, 0);
                test::watch_replies(http);
                auto reply = http.Post("/api/v1/responses",
                                       {{"Authorization", "Bearer " + device_tokens[kKiosks]}},
                                       batch_body(shared), "application/json");
                if (reply && reply->status == 200) acks[i] = json::parse(reply->body);
            });
    }
    REQUIRE(acks[0].is_object());
    REQUIRE(acks[1].is_object());
    std::multiset<int> stored{acks[0]["stored"].get<int>(), acks[1]["stored"].get<int>()};
    std::multiset<int> duplicates{acks[0]["duplicates"].get<int>(),
                                  acks[1]["duplicates"].get<int>()};
    CHECK(stored == std::multiset<int>{0, 300});
    CHECK(duplicates == std::multiset<int>{0, 300});

    // One export: every record once, none lost.
    httplib::Client http("127.0.0.1", instances[1].port());
    http.set_read_timeout(30, 0);
    test::watch_replies(http);
    const httplib::Headers viewer_auth{{"Authorization", "Bearer " + viewer}};
    auto exported = http.Get("/api/v1/orgs/demo-org/responses.jsonl", viewer_auth);
    REQUIRE(exported);
    REQUIRE(exported->status == 200);
    auto lines = test::split_lines(exported->body);
    const std::size_t expected = kKiosks * kRounds * kPerRound + shared.size();
    CHECK(lines.size() == expected);
    std::set<std::string> unique(lines.begin(), lines.end());
    CHECK(unique.size() == expected);

    // The integrity report: every chain whole, nothing forked, nothing late.
    auto report = http.Get("/api/v1/orgs/demo-org/integrity", viewer_auth);
    REQUIRE(report);
    REQUIRE(report->status == 200);
    auto devices = json::parse(report->body)["devices"];
    REQUIRE(devices.size() == kKiosks + 1);
    for (const auto& device : devices) {
        INFO(device.dump());
        const bool shared_sender = device["device"] == kiosk_name(kKiosks);
        CHECK(device["highest_seq"] == (shared_sender ? 300 : kRounds * kPerRound));
        CHECK(device["gaps"].empty());
        CHECK(device["forks"].empty());
        CHECK(device["late_arrivals"] == 0);
        CHECK(device["keys"][0]["broken_links"].empty());
    }
}

TEST_CASE("connections the database ended are opened again: uploads go on", "[postgresql]") {
    test::TempDir dir;
    const auto db = test::TestPostgres::shared().fresh_database();
    const auto token = test::add_token(
        db, {"--role", "device", "--org", "demo-org", "--site", "hq", "--device", "kiosk-01"});
    test::ServerProcess server(db, {"--threads", "2"});
    ClientConfig config;
    config.server_url = server.url();
    config.token = token;
    config.retry.base = std::chrono::milliseconds{20};
    config.retry.max_attempts = 5;
    test::MemoryOutbox outbox(test::make_records("demo-org", "hq", "kiosk-01", 1, 600));
    REQUIRE(sync_once(outbox, config).ok);

    // As a database restart or an administrator's pg_terminate_backend would.
    auto admin = postgres::Connection::open(db);
    REQUIRE(admin.ok());
    auto ended = admin.value().query(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = current_database() AND application_name = 'cxserver'"
        " AND pid <> pg_backend_pid()");
    REQUIRE(ended.ok());
    CHECK(ended.value().integer(0, 0) >= 1);

    outbox.add(test::make_records("demo-org", "hq", "kiosk-01", 601, 600));
    auto report = sync_once(outbox, config);
    CHECK(report.ok);
    CHECK(report.remaining == 0);
    auto flags = test::stored_server_flags(db);
    CHECK(flags.size() == 1200);
}
