// cxserver's side of evidence integrity (sync/PROTOCOL.md "Signed records",
// "Device keys", "…/integrity", "Server flags"), against the real server: seals
// checked record by record, keys pinned or bound, chains audited.
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include "cx/sync/uploader.hpp"
#include "secret_watch.hpp"
#include "sync_test_support.hpp"

using namespace cx;
using nlohmann::json;

namespace {

const integrity::SigningKey& reinstalled_key() {
    static const integrity::SigningKey key = test::key_from_seed_byte(0x42);
    return key;
}

struct Integrity : test::ServerFixture {
    Integrity() : http("127.0.0.1", server->port()) {
        http.set_read_timeout(20, 0);
        test::watch_replies(http);
    }
    httplib::Client http;

    // Uploads as a kiosk would; the refusals the outbox kept, by record id → code.
    std::map<std::string, std::string> upload(std::vector<PendingRecord> records,
                                              const std::string& token) {
        test::MemoryOutbox outbox(std::move(records));
        auto config = client_config();
        config.token = token;
        auto report = sync_once(outbox, config);
        INFO(report.detail);
        REQUIRE(report.http_status == 200);
        std::map<std::string, std::string> refused;
        for (const auto& refusal : outbox.refused()) refused[refusal.id] = refusal.code;
        return refused;
    }
    std::map<std::string, std::string> upload(std::vector<PendingRecord> records) {
        return upload(std::move(records), device_token);
    }
    std::pair<int, json> get(const std::string& leaf, const std::string& token) {
        httplib::Headers headers;
        if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
        auto reply = http.Get("/api/v1/orgs/demo-org/" + leaf, headers);
        REQUIRE(reply);
        return {reply->status, json::parse(reply->body)};
    }
    json device_report(const std::string& device = "kiosk-01") {
        auto [status, body] = get("integrity", viewer_token);
        REQUIRE(status == 200);
        for (const auto& entry : body["devices"])
            if (entry["device"] == device) return entry;
        FAIL("no device " << device << " in " << body.dump());
        return {};
    }
    std::string bind(const integrity::SigningKey& key, const std::string& device = "kiosk-01") {
        return test::add_token(db, {"--role", "device", "--org", "demo-org", "--site", "hq",
                                    "--device", device, "--pubkey", key.public_key().hex()});
    }
};

std::vector<PendingRecord> records(std::int64_t first, std::size_t count,
                                   const integrity::SigningKey& key = test::test_signing_key()) {
    return test::make_records("demo-org", "hq", "kiosk-01", first, count, key);
}

PendingRecord line(const Response& record) {
    return {record.id, to_canonical_json(record)};
}

json gap(const std::string& key, std::int64_t first, std::int64_t last) {
    return {{"key", key}, {"first", first}, {"last", last}};
}

const std::string& test_key() {
    return test::test_signing_key().public_key().hex();
}

}  // namespace

TEST_CASE_METHOD(Integrity, "the published vector records are stored under the vector key") {
    std::ifstream file(CX_SEAL_VECTORS);
    auto vectors = json::parse(file);
    bind(test::test_signing_key());
    REQUIRE(vectors["public_key"] == test_key());
    std::vector<PendingRecord> sent;
    std::string expected;
    for (const auto& vector : vectors["records"]) {
        auto line = vector["record"].get<std::string>();
        sent.push_back({json::parse(line)["id"].get<std::string>(), line});
        expected += line + "\n";
    }
    CHECK(upload(sent).empty());
    CHECK(export_with_cli() == expected);  // the sealed lines, byte for byte
    auto device = device_report();
    CHECK(device["key_pinned"] == "admin");
    CHECK(device["highest_seq"] == 2);
    CHECK(device["keys"][0]["broken_links"] == json::array());
}

TEST_CASE_METHOD(Integrity,
                 "bad signatures, unsigned records and wrong keys are refused one by one, the "
                 "rest is stored, a replay is a duplicate") {
    REQUIRE(upload(records(1, 2)).empty());  // pins the test key
    auto edited = test::make_response("demo-org", "hq", "kiosk-01", 4);
    edited.answers[0].level = edited.answers[0].level == 5 ? 4 : 5;  // after sealing
    auto unsigned_record = test::make_unsigned_response("demo-org", "hq", "kiosk-01", 5);
    auto other_key = test::make_response("demo-org", "hq", "kiosk-01", 6, reinstalled_key());
    auto batch = records(3, 1);
    for (const auto& record : {edited, unsigned_record, other_key}) batch.push_back(line(record));
    batch.push_back(records(7, 1)[0]);
    CHECK(upload(batch) == std::map<std::string, std::string>{{edited.id, "bad_signature"},
                                                              {unsigned_record.id, "bad_signature"},
                                                              {other_key.id, "wrong_key"}});
    CHECK(test::split_lines(export_with_cli()).size() == 4);  // seq 1, 2, 3, 7

    test::MemoryOutbox replay(records(1, 3));
    auto report = sync_once(replay, client_config());
    CHECK(report.ok);
    CHECK(report.sent == 3);
    CHECK(test::split_lines(export_with_cli()).size() == 4);
}

TEST_CASE_METHOD(Integrity, "another device's key is refused") {
    auto other_token = bind(reinstalled_key(), "kiosk-02");
    auto theirs = test::make_records("demo-org", "hq", "kiosk-02", 1, 2);  // the test key
    auto refused = upload(theirs, other_token);
    CHECK(refused == std::map<std::string, std::string>{{theirs[0].id, "wrong_key"},
                                                        {theirs[1].id, "wrong_key"}});
    CHECK(device_report("kiosk-02")["keys"][0]["records"] == 0);
}

TEST_CASE_METHOD(Integrity,
                 "the first signed upload pins its key, a re-installed kiosk's key is refused "
                 "until an admin binds it, and both chains are listed") {
    REQUIRE(upload(records(1, 3)).empty());
    CHECK(device_report()["key_pinned"] == "tofu");
    auto fresh = records(1, 2, reinstalled_key());
    auto refused = upload(fresh);
    CHECK(refused.size() == 2);
    CHECK(refused.begin()->second == "wrong_key");

    auto new_token = bind(reinstalled_key());
    CHECK(upload(fresh, new_token).empty());
    auto device = device_report();
    CHECK(device["key_pinned"] == "tofu");
    CHECK(device["highest_seq"] == 3);
    REQUIRE(device["keys"].size() == 2);
    CHECK(device["keys"][0] == json{{"key", test_key()},
                                    {"trusted", "tofu"},
                                    {"first_seq", 1},
                                    {"last_seq", 3},
                                    {"records", 3},
                                    {"broken_links", json::array()}});
    CHECK(device["keys"][1]["key"] == reinstalled_key().public_key().hex());
    CHECK(device["keys"][1]["trusted"] == "admin");
    CHECK(device["keys"][1]["last_seq"] == 2);
    CHECK(device["gaps"] == json::array());
}

TEST_CASE_METHOD(Integrity,
                 "records arriving out of order: the gap shows, then fills, late arrivals are "
                 "counted, a fork is reported") {
    REQUIRE(upload(records(1, 3)).empty());
    REQUIRE(upload(records(7, 2)).empty());
    auto device = device_report();
    CHECK(device["gaps"] == json::array({gap(test_key(), 4, 6)}));
    CHECK(device["late_arrivals"] == 0);

    REQUIRE(upload(records(4, 3)).empty());
    device = device_report();
    CHECK(device["gaps"] == json::array());
    CHECK(device["late_arrivals"] == 3);
    CHECK(device["keys"][0]["broken_links"] == json::array());

    // A second record with seq 5: another id, other answers, a valid seal.
    auto twin = test::make_response("demo-org", "hq", "kiosk-01", 5);
    twin.id.replace(0, 8, "f0f0f0f0");
    twin.answers[0].level = twin.answers[0].level == 5 ? 4 : 5;
    test::reseal(twin);
    REQUIRE(upload({line(twin)}).empty());
    device = device_report();
    CHECK(device["forks"] == json::array({json{{"key", test_key()}, {"seq", 5}}}));
    CHECK(device["keys"][0]["records"] == 9);
}

TEST_CASE_METHOD(Integrity, "the integrity report needs a viewer or admin token of the org") {
    CHECK(get("integrity", "").first == 401);
    CHECK(get("integrity", std::string(64, 'a')).first == 401);
    CHECK(get("integrity", device_token).first == 403);
    auto other_org = test::add_token(db, {"--role", "viewer", "--org", "other-org"});
    CHECK(get("integrity", other_org).first == 403);
    auto admin = test::add_token(db, {"--role", "admin", "--org", "demo-org"});
    auto [status, body] = get("integrity", admin);
    CHECK(status == 200);
    CHECK(body == json{{"devices", json::array()}});
}

TEST_CASE_METHOD(Integrity,
                 "the server flags speeders and bursts itself, and the score excludes by its flags "
                 "and the kiosk's") {
    auto normal = test::make_response("demo-org", "hq", "kiosk-01", 1);
    auto burst = test::make_response("demo-org", "hq", "kiosk-01", 2);
    burst.submitted_at =
        format_utc_timestamp(*parse_utc_timestamp(normal.submitted_at) + std::chrono::seconds{5});
    burst.started_at =
        format_utc_timestamp(*parse_utc_timestamp(burst.submitted_at) - std::chrono::seconds{45});
    test::reseal(burst);
    auto speeder = test::make_response("demo-org", "hq", "kiosk-01", 3, test::test_signing_key());
    speeder.prev_hash = integrity::record_hash(burst);
    speeder.duration_ms = 2000;  // 19 items in 2 s
    test::reseal(speeder);
    REQUIRE(upload({line(normal), line(burst), line(speeder)}).empty());
    CHECK(test::stored_server_flags(db) ==
          std::vector<std::string>{"[]", "[\"burst\"]", "[\"speeder\"]"});
    CHECK(device_report()["keys"][0]["broken_links"] == json::array());

    auto [status, score] = get("score", viewer_token);
    REQUIRE(status == 200);
    CHECK(score["respondents"] == 1);
    CHECK(score["excluded"] == json{{"burst", 1}, {"speeder", 1}});
}
