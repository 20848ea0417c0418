// Enrolment by one-time code (sync/PROTOCOL.md "Enrolment") against the real
// cxserver: a code traded once for a device token, the kiosk's key bound
// "enrolled" in the same step, expired and wrong codes refused, guessing braked.
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include "cx/server/enrolment_codes.hpp"
#include "cx/sync/enrolment.hpp"
#include "cx/sync/uploader.hpp"
#include "secret_watch.hpp"
#include "sync_test_support.hpp"

using namespace cx;
using nlohmann::json;

namespace {

const integrity::SigningKey& kiosk_key() {
    static const integrity::SigningKey key = test::key_from_seed_byte(0x07);
    return key;
}

const std::vector<std::string> kDevice = {"--org", "demo-org", "--site",
                                          "hq",    "--device", "kiosk-07"};

struct Enrolling : test::ServerFixture {
    Enrolling() : http("127.0.0.1", server->port()) {
        http.set_read_timeout(20, 0);
        test::watch_replies(http);
    }
    httplib::Client http;

    httplib::Result post(const std::string& code, const std::string& pubkey) {
        return http.Post(std::string(kEnrolPath), encode_enrol_request(code, pubkey),
                         "application/json");
    }
    // The reply's status and error code ("" for a 200).
    std::pair<int, std::string> refusal(const std::string& code) {
        auto reply = post(code, kiosk_key().public_key().hex());
        REQUIRE(reply);
        if (reply->status == 200) return {200, ""};
        auto error = decode_error(reply->body);
        REQUIRE(error);
        return {reply->status, error->code};
    }
    // Uploads kiosk-07's records with `token`; the refusals by record id → code.
    std::map<std::string, std::string> upload(const std::string& token,
                                              const integrity::SigningKey& key) {
        test::MemoryOutbox outbox(test::make_records("demo-org", "hq", "kiosk-07", 1, 3, key));
        auto config = client_config();
        config.token = token;
        auto report = sync_once(outbox, config);
        INFO(report.detail);
        REQUIRE(report.http_status == 200);
        std::map<std::string, std::string> refused;
        for (const auto& record : outbox.refused()) refused[record.id] = record.code;
        return refused;
    }
};

}  // namespace

TEST_CASE_METHOD(Enrolling, "a code is traded once for a device token, with the key bound") {
    auto code = test::enrol_code(db, kDevice);
    CHECK(normalize_enrolment_code(code));  // grouped digits, e.g. 1234-5678-9012
    auto reply = post(code, kiosk_key().public_key().hex());
    REQUIRE(reply);
    REQUIRE(reply->status == 200);
    auto enrolled = decode_enrol_reply(reply->body);
    REQUIRE(enrolled.ok());
    CHECK(enrolled.value().org == "demo-org");
    CHECK(enrolled.value().site == "hq");
    CHECK(enrolled.value().device == "kiosk-07");

    // Used: refused, whoever asks.
    CHECK(refusal(code) == std::pair{410, std::string("code_used")});

    // The token uploads the kiosk's sealed records; its key was bound at enrolment.
    CHECK(upload(enrolled.value().token, kiosk_key()).empty());
    auto integrity =
        http.Get("/api/v1/orgs/demo-org/integrity", {{"Authorization", "Bearer " + viewer_token}});
    REQUIRE(integrity);
    auto devices = json::parse(integrity->body)["devices"];
    REQUIRE(devices.size() == 1);
    CHECK(devices[0]["key_pinned"] == "enrolled");
    CHECK(devices[0]["keys"][0]["key"] == kiosk_key().public_key().hex());
    CHECK(devices[0]["keys"][0]["trusted"] == "enrolled");
    CHECK(devices[0]["keys"][0]["records"] == 3);

    // Not trusted on first use: another key's records are refused.
    auto other = upload(enrolled.value().token, test::test_signing_key());
    CHECK(other.size() == 3);
    for (const auto& [id, error] : other) CHECK(error == "wrong_key");
}

TEST_CASE_METHOD(Enrolling, "expired, unknown and malformed codes are refused, each clearly") {
    {
        // Issued two hours ago for one hour, through the store beside the running server.
        auto store = open_store(db);
        REQUIRE(store.ok());
        EnrolmentService codes(*store.value());
        auto expired =
            codes.issue({0, Role::Device, "demo-org", "hq", "kiosk-07"}, std::chrono::hours{1},
                        std::chrono::system_clock::now() - std::chrono::hours{2});
        REQUIRE(expired.ok());
        CHECK(refusal(expired.value().code) == std::pair{410, std::string("code_expired")});
    }
    CHECK(refusal("0000-0000-0000") == std::pair{403, std::string("unknown_code")});
    CHECK(refusal("12345") == std::pair{400, std::string("bad_parameter")});
    auto code = test::enrol_code(db, kDevice);
    auto bad_key = post(code, "not-a-key");
    REQUIRE(bad_key);
    CHECK(bad_key->status == 400);
    auto not_json = http.Post(std::string(kEnrolPath), "code=1", "application/json");
    REQUIRE(not_json);
    CHECK(not_json->status == 400);
    // None of these used the code.
    CHECK(refusal(code).first == 200);
}

TEST_CASE_METHOD(Enrolling, "wrong codes from one address are refused 429 with Retry-After") {
    auto code = test::enrol_code(db, kDevice);
    int refused_at = 0;
    for (int attempt = 1; attempt <= 20 && !refused_at; ++attempt) {
        auto status = refusal("9999-9999-" + std::to_string(1000 + attempt)).first;
        if (status == 429)
            refused_at = attempt;
        else
            CHECK(status == 403);
    }
    // Refused once the address's failures reach the limit (its bucket drains a little,
    // one failure a minute, while the held-back replies go out).
    const int limit = static_cast<int>(kBadEnrolmentPolicy.refuse_after);
    CHECK(refused_at > limit);
    CHECK(refused_at <= limit + 2);
    // Refused before the code is looked at: even the right code waits.
    auto reply = post(code, kiosk_key().public_key().hex());
    REQUIRE(reply);
    CHECK(reply->status == 429);
    CHECK(std::stoi(reply->get_header_value("Retry-After")) > 0);
    // Uploads are judged by their own limiter.
    CHECK(upload(device_token, test::test_signing_key()).size() == 3);
}
