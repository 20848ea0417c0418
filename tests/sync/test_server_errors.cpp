// Every status of sync/PROTOCOL.md from the real cxserver over loopback, each
// with its JSON error body; records refused one by one are named in the 200
// and never hold back the rest; nothing of a batch refused whole is stored.
#include <httplib.h>

#include <algorithm>
#include <random>

#include <catch2/catch.hpp>

#include "cx/server/sqlite_store.hpp"
#include "cx/sqlite/connection.hpp"
#include "cx/sync/gzip.hpp"
#include "cx/sync/protocol.hpp"
#include "secret_watch.hpp"
#include "sync_test_support.hpp"

using namespace cx;

namespace {

struct Api : test::ServerFixture {
    Api() : test::ServerFixture({"--max-body", "200000"}), http("127.0.0.1", server->port()) {
        http.set_read_timeout(20, 0);
        test::watch_replies(http);
    }
    httplib::Client http;

    httplib::Result post(const std::string& token, const std::string& body,
                         httplib::Headers headers = {}) {
        if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
        return http.Post(std::string(kResponsesPath), headers, body, "application/json");
    }
    httplib::Result get(const std::string& path, const std::string& token) {
        httplib::Headers headers;
        if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
        return http.Get(path, headers);
    }
    std::size_t stored_count() { return test::split_lines(export_with_cli()).size(); }
};

std::string batch_of(const std::vector<std::string>& lines) {
    std::vector<PendingRecord> records;
    for (const auto& line : lines) records.push_back({"", line});
    return encode_batch(records);
}

std::string record(std::int64_t seq, std::string_view device = "kiosk-01") {
    return to_canonical_json(test::make_response("demo-org", "hq", device, seq));
}

// Record `seq` with another duration, sealed again: the same id with other content.
std::string with_duration(std::int64_t seq, std::int64_t duration_ms) {
    auto response = test::make_response("demo-org", "hq", "kiosk-01", seq);
    response.duration_ms = duration_ms;
    test::reseal(response);
    return to_canonical_json(response);
}

std::string replace(std::string text, std::string_view from, std::string_view to) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

// Checks the status and that the body is the protocol's error with this code.
ErrorBody expect_error(const httplib::Result& reply, int status, std::string_view code) {
    REQUIRE(reply);
    CHECK(reply->status == status);
    auto error = decode_error(reply->body);
    REQUIRE(error);
    CHECK(error->code == code);
    CHECK_FALSE(error->detail.empty());
    return *error;
}

// Checks for a 200 and returns its ack.
BatchAck expect_ack(const httplib::Result& reply) {
    REQUIRE(reply);
    INFO(reply->body);
    REQUIRE(reply->status == 200);
    auto ack = decode_ack(reply->body);
    REQUIRE(ack.ok());
    return ack.value();
}

std::string id_of(std::int64_t seq, std::string_view device = "kiosk-01") {
    return test::make_response("demo-org", "hq", device, seq).id;
}

}  // namespace

TEST_CASE_METHOD(Api, "health needs no token") {
    auto reply = http.Get(std::string(kHealthPath));
    REQUIRE(reply);
    CHECK(reply->status == 200);
    CHECK(reply->body == "{\"status\":\"ok\",\"protocol\":3}");
}

TEST_CASE_METHOD(Api, "200 stores, a re-send counts duplicates, gzip bodies are accepted") {
    auto body = batch_of({record(1), record(2), record(3)});
    auto first = post(device_token, body);
    REQUIRE(first);
    CHECK(first->status == 200);
    CHECK(decode_ack(first->body).value() == BatchAck{3, 0, {}});
    auto again = post(device_token, gzip_compress(body).value(), {{"Content-Encoding", "gzip"}});
    REQUIRE(again);
    CHECK(again->status == 200);
    CHECK(decode_ack(again->body).value() == BatchAck{0, 3, {}});
    CHECK(stored_count() == 3);
}

TEST_CASE_METHOD(Api, "a record with whitespace and shuffled fields is stored canonically") {
    auto line = record(1);
    const std::string flags = ",\"flags\":[],";
    auto at = line.find(flags);
    auto loose = "{ \"flags\" : [ ], " + line.substr(1, at - 1) + " ,\n " +
                 line.substr(at + flags.size());  // the seal, then "}"
    auto reply = post(device_token, "{\"responses\": [ " + loose + " ]}");
    REQUIRE(reply);
    CHECK(reply->status == 200);
    CHECK(export_with_cli() == line + "\n");
    CHECK(decode_ack(post(device_token, batch_of({line}))->body).value() == BatchAck{0, 1, {}});
}

TEST_CASE_METHOD(Api, "400 for bodies that are not the batch object") {
    expect_error(post(device_token, "{not json"), 400, "malformed_json");
    expect_error(post(device_token, "[1,2]"), 400, "malformed_json");
    expect_error(post(device_token, "{\"records\":[]}"), 400, "malformed_json");
    auto detail = expect_error(post(device_token, "{\"responses\":[" + record(1) + ",42]}"), 400,
                               "malformed_json")
                      .detail;
    CHECK_THAT(detail, Catch::Contains("record 1"));
    expect_error(post(device_token, "garbage that claims gzip", {{"Content-Encoding", "gzip"}}),
                 400, "malformed_json");
    CHECK(stored_count() == 0);
}

TEST_CASE_METHOD(Api, "401 without a token, with an unknown one, and with a revoked one") {
    auto body = batch_of({record(1)});
    expect_error(post("", body), 401, "unauthorized");
    expect_error(post(std::string(64, 'f'), body), 401, "unauthorized");
    auto malformed = http.Post(std::string(kResponsesPath), {{"Authorization", "Token abc"}}, body,
                               "application/json");
    expect_error(malformed, 401, "unauthorized");
    auto revoked =
        test::run_command({CXSERVER_PATH, "revoke-token", "--db", db}, device_token + "\n");
    REQUIRE(revoked.exit_code == 0);
    expect_error(post(device_token, body), 401, "unauthorized");
    CHECK(stored_count() == 0);
}

TEST_CASE_METHOD(Api,
                 "403 for a viewer token, while another device's, org's or site's record is "
                 "refused on its own") {
    expect_error(post(viewer_token, batch_of({record(5)})), 403, "forbidden");
    auto other_org = replace(record(3), "\"org\":\"demo-org\"", "\"org\":\"rival\"");
    auto other_site = replace(record(4), "\"site\":\"hq\"", "\"site\":\"branch\"");
    auto ack = expect_ack(
        post(device_token, batch_of({record(1), record(2, "kiosk-02"), other_org, other_site})));
    CHECK(ack.stored == 1);
    REQUIRE(ack.refused.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(ack.refused[i].index == i + 1);
        CHECK(ack.refused[i].code == "forbidden");
    }
    CHECK(ack.refused[0].id == id_of(2, "kiosk-02"));
    CHECK_THAT(ack.refused[0].detail, Catch::Contains("device") && Catch::Contains("kiosk-02"));
    CHECK_THAT(ack.refused[1].detail, Catch::Contains("org"));
    CHECK_THAT(ack.refused[2].detail, Catch::Contains("site"));
    CHECK(export_with_cli() == record(1) + "\n");
}

TEST_CASE_METHOD(Api,
                 "a stored id with other content is refused as a conflict, the rest is "
                 "stored") {
    REQUIRE(expect_ack(post(device_token, batch_of({record(1)}))).stored == 1);
    auto changed = with_duration(1, 45001);
    auto ack = expect_ack(post(device_token, batch_of({record(2), changed, record(3)})));
    CHECK(ack.stored == 2);
    REQUIRE(ack.refused.size() == 1);
    CHECK(ack.refused[0] == RecordRefusal{1, id_of(1), "conflict",
                                          "this id is already stored with different content"});
    CHECK(export_with_cli() == record(1) + "\n" + record(2) + "\n" + record(3) + "\n");
}

TEST_CASE_METHOD(Api,
                 "one invalid and one conflicting record among valid ones: the valid ones "
                 "are stored, the others named") {
    REQUIRE(expect_ack(post(device_token, batch_of({record(5)}))).stored == 1);
    auto invalid = replace(record(2), "\"1.1\":", "\"9.9\":");
    auto conflicting = with_duration(5, 46000);
    auto ack = expect_ack(post(device_token, batch_of({record(1), invalid, record(3), conflicting,
                                                       record(4), record(5)})));
    CHECK(ack.stored == 3);
    CHECK(ack.duplicates == 1);
    REQUIRE(ack.refused.size() == 2);
    CHECK(ack.refused[0].index == 1);
    CHECK(ack.refused[0].id == id_of(2));
    CHECK(ack.refused[0].code == "invalid_record");
    CHECK_THAT(ack.refused[0].detail, Catch::Contains("unknown item"));
    CHECK(ack.refused[1].index == 3);
    CHECK(ack.refused[1].id == id_of(5));
    CHECK(ack.refused[1].code == "conflict");
    CHECK(export_with_cli() ==
          record(1) + "\n" + record(3) + "\n" + record(4) + "\n" + record(5) + "\n");
}

TEST_CASE_METHOD(Api, "413 over --max-body, on the wire and after gunzip") {
    std::vector<std::string> many;
    for (int seq = 1; seq <= 600; ++seq) many.push_back(record(seq));
    auto big = batch_of(many);  // ~300 KB > 200 000
    REQUIRE(big.size() > 200000);
    expect_error(post(device_token, big), 413, "payload_too_large");
    // A small gzip body that inflates past the limit (a zip bomb) is refused too.
    auto bomb = gzip_compress("{\"responses\":[" + std::string(5'000'000, ' ') + "]}").value();
    REQUIRE(bomb.size() < 200000);
    expect_error(post(device_token, bomb, {{"Content-Encoding", "gzip"}}), 413,
                 "payload_too_large");
    CHECK(stored_count() == 0);
    // The server is still fine afterwards.
    CHECK(post(device_token, batch_of({record(1)}))->status == 200);
}

TEST_CASE_METHOD(Api, "records that break the schema are refused one by one, naming the field") {
    struct Case {
        std::string line;
        std::string names;
    };
    std::vector<Case> cases = {
        {replace(record(1), "\"1.1\":", "\"9.9\":"), "unknown item"},
        {replace(record(1), "\"questionnaire\":\"tbsc134-b1\"", "\"questionnaire\":\"nope\""),
         "questionnaire"},
        {replace(record(1), "\"1.2\":", "\"1.2\":7,\"x\":"), "answers"},
        {replace(record(1), "\"submitted_at\":\"2025-11-25T10:01:00Z\"",
                 "\"submitted_at\":\"2025-13-25T10:01:00Z\""),
         "submitted_at"},
        {replace(record(1), "\"seq\":1,", ""), "seq"},
        {replace(record(1), "\"1.1\":", "\"1.1\":6,\"1.0\":"), "level"},
        // Records within sane bounds (PROTOCOL.md "Records").
        {replace(record(1), "\"flags\":[]", "\"flags\":[\"vip\"]"), "unknown flag"},
        {replace(record(1), "\"seq\":1,", "\"seq\":9007199254740993,"), "seq"},
        {replace(record(1), "\"duration_ms\":45000", "\"duration_ms\":604800001"), "duration_ms"},
        {replace(record(1), "\"submitted_at\":\"2025-11-25T10:01:00Z\"",
                 "\"submitted_at\":\"2025-11-25T10:00:00Z\""),
         "before \"started_at\""},
    };
    for (const auto& [line, names] : cases) {
        INFO(line);
        auto ack = expect_ack(post(device_token, batch_of({record(2), line})));
        CHECK(ack.duplicates + ack.stored == 1);
        REQUIRE(ack.refused.size() == 1);
        CHECK(ack.refused[0].index == 1);
        CHECK(ack.refused[0].id == id_of(1));
        CHECK(ack.refused[0].code == "invalid_record");
        CHECK_THAT(ack.refused[0].detail, Catch::Contains(names));
    }
    // An invalid id is still named as the record gave it, so the kiosk can find it.
    auto bad_id = replace(record(1), "\"id\":\"", "\"id\":\"X");
    auto ack = expect_ack(post(device_token, batch_of({bad_id})));
    REQUIRE(ack.refused.size() == 1);
    CHECK(ack.refused[0].id == "X" + id_of(1));
    CHECK_THAT(ack.refused[0].detail, Catch::Contains("id"));
    CHECK(export_with_cli() == record(2) + "\n");
}

TEST_CASE_METHOD(Api,
                 "a record more than a day ahead of the server's clock is stored, flagged "
                 "\"clock\", bytes unchanged") {
    auto ahead = [](std::chrono::hours by, std::int64_t seq) {
        auto response = test::make_response("demo-org", "hq", "kiosk-01", seq);
        auto submitted =
            std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + by;
        response.submitted_at = format_utc_timestamp(submitted);
        response.started_at = format_utc_timestamp(submitted - std::chrono::seconds{45});
        test::reseal(response);
        return to_canonical_json(response);
    };
    auto far = ahead(std::chrono::hours{49}, 1);
    auto near = ahead(std::chrono::hours{23}, 2);
    CHECK(expect_ack(post(device_token, batch_of({far, near}))).stored == 2);
    CHECK(export_with_cli() == far + "\n" + near + "\n");
    CHECK(test::stored_server_flags(db) == std::vector<std::string>{"[\"clock\"]", "[]"});
}

TEST_CASE_METHOD(Api, "export: 200 for the org's viewer, 401 without a token, 403 otherwise") {
    REQUIRE(post(device_token, batch_of({record(1), record(2)}))->status == 200);
    const std::string path = "/api/v1/orgs/demo-org/responses.jsonl";
    auto ok = get(path, viewer_token);
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK(ok->body == record(1) + "\n" + record(2) + "\n");
    CHECK(get(path + "?from=2025-11-25T10:02:00Z", viewer_token)->body == record(2) + "\n");
    CHECK(get(path + "?site=elsewhere", viewer_token)->body.empty());
    expect_error(get(path + "?from=yesterday", viewer_token), 400, "bad_parameter");
    expect_error(get(path, ""), 401, "unauthorized");
    expect_error(get(path, device_token), 403, "forbidden");
    auto rival = test::add_token(db, {"--role", "admin", "--org", "rival"});
    expect_error(get(path, rival), 403, "forbidden");
    expect_error(get("/api/v1/nothing", viewer_token), 404, "not_found");
}

TEST_CASE_METHOD(Api, "one log line per request, and the token never appears in it") {
    post(device_token, batch_of({record(1), record(2)}));
    post("", "{}");
    get("/api/v1/orgs/demo-org/responses.jsonl", viewer_token);
    server->stop();  // so the log is complete
    auto log = test::split_lines(server->log());
    REQUIRE(log.size() == 3);
    // Each line is written when its reply is out, so lines of separate
    // connections may come in either order.
    auto logged = [&](std::string_view text) {
        return std::count_if(log.begin(), log.end(), [&](const std::string& line) {
            return line.find(text) != std::string::npos;
        });
    };
    CHECK(logged("POST /api/v1/responses 200 records=2 ") == 1);
    CHECK(logged("POST /api/v1/responses 401 records=0 ") == 1);
    CHECK(logged("GET /api/v1/orgs/demo-org/responses.jsonl 200 records=2 ") == 1);
    for (const auto& line : log) {
        CHECK(line.find(device_token) == std::string::npos);
        CHECK(line.find(viewer_token) == std::string::npos);
        CHECK(line.find("ms") != std::string::npos);
    }
}

TEST_CASE(
    "cxserver refuses a SQLite database written by a newer cxserver with exit 4 and leaves it",
    "[sqlite]") {
    test::TempDir dir;
    const auto path = dir / "db";
    const auto known = static_cast<std::int64_t>(sqlite_schema_versions().size());
    const auto newer = known + 1;
    {
        auto db = sqlite::Connection::open(path.string());
        REQUIRE(db.ok());
        REQUIRE(db.value().exec("PRAGMA user_version = " + std::to_string(newer)).ok());
    }
    auto serve = test::run_command(
        {CXSERVER_PATH, "serve", "--db", "sqlite:" + path.string(), "--listen", "127.0.0.1:0"});
    CHECK(serve.exit_code == 4);
    CHECK_THAT(serve.err, Catch::Contains("schema version " + std::to_string(newer)) &&
                              Catch::Contains("(" + std::to_string(known) + ")") &&
                              Catch::Contains("newer cxserver"));
    auto db = sqlite::Connection::open(path.string(), {sqlite::Access::ReadOnly});
    REQUIRE(db.ok());
    CHECK(db.value().user_version().value() == newer);
}

TEST_CASE_METHOD(Api, "mangled batches get a clear refusal and never crash the server") {
    auto valid = batch_of({record(1), record(2), record(3)});
    std::mt19937 random(20261125);  // fixed seed: the same 300 cases every run
    std::uniform_int_distribution<std::size_t> position(0, valid.size() - 1);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int i = 0; i < 300; ++i) {
        auto mangled = valid;
        for (int flips = 1 + i % 4; flips > 0; --flips)
            mangled[position(random)] = static_cast<char>(byte(random));
        if (i % 7 == 0) mangled.resize(position(random));  // truncated
        auto reply = post(device_token, mangled);
        REQUIRE(reply);
        INFO(mangled);
        if (reply->status == 200) {
            CHECK(decode_ack(reply->body).ok());
        } else {
            // Whole-batch refusals are for the body only; records are refused in the 200.
            CHECK(reply->status == 400);
            CHECK(decode_error(reply->body));
        }
    }
    CHECK(http.Get(std::string(kHealthPath))->status == 200);
}
