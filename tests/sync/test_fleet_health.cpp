// Fleet health against the real cxserver (sync/PROTOCOL.md "POST /api/v1/heartbeat",
// "GET /api/v1/orgs/{org}/devices"): who may send and read, strict heartbeat bodies,
// and each status a certifier sees — ok, attention for each reason, silent once a
// kiosk stops reporting for longer than --silent-after.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "cx/sync/uploader.hpp"
#include "secret_watch.hpp"
#include "sync_test_support.hpp"

using namespace cx;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr int kSilentAfterSeconds = 4;

struct Fleet : test::ServerFixture {
    Fleet()
        : test::ServerFixture({"--silent-after", std::to_string(kSilentAfterSeconds) + "s",
                               "--low-disk-mb", "100"}),
          http("127.0.0.1", server->port()) {
        http.set_read_timeout(20, 0);
        test::watch_replies(http);
    }
    httplib::Client http;

    std::string device_token_for(const std::string& device) {
        return test::add_token(
            db, {"--role", "device", "--org", "demo-org", "--site", "hq", "--device", device});
    }
    static httplib::Headers bearer(const std::string& token) {
        httplib::Headers headers;
        if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
        return headers;
    }
    std::pair<int, json> beat(const std::string& token, const std::string& body) {
        auto reply = http.Post("/api/v1/heartbeat", bearer(token), body, "application/json");
        REQUIRE(reply);
        return {reply->status, json::parse(reply->body)};
    }
    std::pair<int, json> devices(const std::string& token, const std::string& org = "demo-org") {
        auto reply = http.Get("/api/v1/orgs/" + org + "/devices", bearer(token));
        REQUIRE(reply);
        return {reply->status, json::parse(reply->body)};
    }
    json device(const std::string& name) {
        auto [status, body] = devices(viewer_token);
        REQUIRE(status == 200);
        for (const auto& entry : body["devices"])
            if (entry["device"] == name) return entry;
        FAIL("no device " << name << " in " << body.dump());
        return {};
    }
};

Heartbeat healthy() {
    return {"0.1.0", 3600, 0, 0, "2026-11-25T10:00:00Z", std::int64_t{20} << 30, 40};
}

}  // namespace

TEST_CASE_METHOD(Fleet, "heartbeat: only a device token sends one, and its body is strict") {
    const auto body = encode_heartbeat(healthy());
    CHECK(beat("", body).first == 401);
    CHECK(beat(std::string(64, '0'), body).first == 401);
    auto [viewer_status, viewer_reply] = beat(viewer_token, body);
    CHECK(viewer_status == 403);
    CHECK(viewer_reply["error"] == "forbidden");

    auto refused = [&](const std::string& bad, const std::string& names) {
        auto [status, reply] = beat(device_token, bad);
        INFO(bad);
        CHECK(status == 400);
        CHECK(reply["error"] == "invalid_heartbeat");
        CHECK_THAT(reply["detail"].get<std::string>(), Catch::Contains(names));
    };
    auto with = [&](const std::string& field, json value) {
        auto edited = json::parse(body);
        edited[field] = std::move(value);
        return edited.dump();
    };
    refused("not json", "JSON object");
    refused("[]", "JSON object");
    refused(with("battery", 80), "battery: unknown field");
    refused(with("device", "kiosk-99"), "device: unknown field");  // who sends is the token's
    refused(with("waiting", "3"), "waiting");
    refused(with("refused", -1), "refused");
    refused(with("uptime_s", 1.5), "uptime_s");
    refused(with("free_disk_bytes", nullptr), "free_disk_bytes");
    refused(with("last_activity", "yesterday"), "last_activity");
    refused(with("clock_offset_ms", "0"), "clock_offset_ms");
    refused(with("version", ""), "version");
    auto missing = json::parse(body);
    missing.erase("clock_offset_ms");
    refused(missing.dump(), "clock_offset_ms: missing");
    CHECK(device("kiosk-01")["last_heartbeat"].is_null());  // nothing refused was kept

    auto [status, reply] = beat(device_token, body);
    CHECK(status == 200);
    CHECK(reply["received_at"].is_string());
    CHECK(device("kiosk-01")["last_heartbeat"]["version"] == "0.1.0");
}

TEST_CASE_METHOD(Fleet, "devices: a viewer or admin of the org reads it") {
    CHECK(devices("").first == 401);
    auto [device_status, device_reply] = devices(device_token);
    CHECK(device_status == 403);
    CHECK(device_reply["error"] == "forbidden");
    auto other = test::add_token(db, {"--role", "viewer", "--org", "other-org"});
    CHECK(devices(other).first == 403);
    auto admin = test::add_token(db, {"--role", "admin", "--org", "demo-org"});
    auto [status, body] = devices(admin);
    CHECK(status == 200);
    CHECK(body["silent_after_s"] == kSilentAfterSeconds);
}

TEST_CASE_METHOD(Fleet, "devices: ok, attention for each reason, silent without heartbeats") {
    auto records = test::make_records("demo-org", "hq", "kiosk-01", 1, 3);
    test::MemoryOutbox outbox(records);
    REQUIRE(sync_once(outbox, client_config()).ok);
    std::map<std::string, std::string> tokens;  // issued first: add-token takes a while
    for (auto device : {"kiosk-02", "kiosk-03", "kiosk-04", "kiosk-05", "kiosk-06"})
        tokens[device] = device_token_for(device);  // kiosk-06 never sends a heartbeat
    REQUIRE(beat(device_token, encode_heartbeat(healthy())).first == 200);

    auto refusing = healthy(), full = healthy(), skewed = healthy(), everything = healthy();
    refusing.refused = 2;
    full.free_disk_bytes = 99 << 20;  // under --low-disk-mb 100
    skewed.clock_offset_ms = -121'000;
    everything = {"0.1.0", 1, 5, 1, std::nullopt, 0, 300'000};
    for (auto [device, heartbeat] :
         {std::pair{"kiosk-02", refusing}, std::pair{"kiosk-03", full},
          std::pair{"kiosk-04", skewed}, std::pair{"kiosk-05", everything}})
        REQUIRE(beat(tokens[device], encode_heartbeat(heartbeat)).first == 200);

    auto [status, body] = devices(viewer_token);
    REQUIRE(status == 200);
    std::vector<std::string> order;
    for (const auto& entry : body["devices"]) order.push_back(entry["device"]);
    CHECK(order == std::vector<std::string>{"kiosk-01", "kiosk-02", "kiosk-03", "kiosk-04",
                                            "kiosk-05", "kiosk-06"});

    auto first = device("kiosk-01");
    CHECK(first["status"] == "ok");
    CHECK(first["reasons"] == json::array());
    CHECK(first["site"] == "hq");
    CHECK(first["records"] == 3);
    CHECK(first["last_upload"].is_string());
    CHECK(first["last_heartbeat"]["uptime_s"] == 3600);
    CHECK(first["last_heartbeat"]["free_disk_bytes"] == std::int64_t{20} << 30);
    CHECK(first["last_heartbeat"]["clock_offset_ms"] == 40);
    CHECK(first["last_heartbeat"]["last_activity"] == "2026-11-25T10:00:00Z");
    REQUIRE(first["keys"].size() == 1);  // pinned on first use by the upload
    CHECK(first["keys"][0]["trusted"] == "tofu");

    auto attention = [&](const std::string& name, json reasons) {
        auto entry = device(name);
        INFO(entry.dump());
        CHECK(entry["status"] == "attention");
        CHECK(entry["reasons"] == reasons);
        CHECK(entry["records"] == 0);
        CHECK(entry["last_upload"].is_null());
    };
    attention("kiosk-02", {"refused"});
    attention("kiosk-03", {"low_disk"});
    attention("kiosk-04", {"clock"});
    attention("kiosk-05", {"refused", "low_disk", "clock"});
    auto never = device("kiosk-06");
    CHECK(never["status"] == "silent");
    CHECK(never["last_heartbeat"].is_null());

    // kiosk-01 stops reporting: silent once --silent-after has passed, polled, not slept.
    const auto deadline =
        std::chrono::steady_clock::now() + 4 * std::chrono::seconds(kSilentAfterSeconds);
    while (device("kiosk-01")["status"] == "ok" && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(200ms);
    auto silent = device("kiosk-01");
    CHECK(silent["status"] == "silent");
    CHECK(silent["last_heartbeat"]["version"] == "0.1.0");  // what it said last stays shown
    // A heartbeat brings it back.
    REQUIRE(beat(device_token, encode_heartbeat(healthy())).first == 200);
    CHECK(device("kiosk-01")["status"] == "ok");
}
