// The management assessment over HTTP with the real cxserver: PUT …/assessment
// (an admin token of the org), GET …/assessment and …/assessment/history (viewer
// or admin), GET /api/v1/management, and every refusal with its status.
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include "cx/config/config_files.hpp"
#include "cx/sync/protocol.hpp"
#include "secret_watch.hpp"
#include "sync_test_support.hpp"

using namespace cx;

namespace {

std::string sample_assessment() {
    auto text =
        read_text_file(std::filesystem::path(CX_TEST_CONFIG_DIR) / "samples" / "assessment.json");
    REQUIRE(text);
    return text.value();
}

struct AssessmentServer : test::ServerFixture {
    // The body limit of the transport tests: small, so a refused body fits the socket's buffers.
    AssessmentServer() : test::ServerFixture({"--max-body", "200000"}) {
        test::watch_replies(http);
    }
    httplib::Client http{"127.0.0.1", server->port()};
    std::string admin_token = test::add_token(db, {"--role", "admin", "--org", "demo-org"});

    httplib::Result put(const std::string& body, const std::string& token,
                        const std::string& org = "demo-org") {
        return http.Put("/api/v1/orgs/" + org + "/assessment",
                        {{"Authorization", "Bearer " + token}}, body, "application/json");
    }
    httplib::Result get(const std::string& path, const std::string& token) {
        return http.Get(path, {{"Authorization", "Bearer " + token}});
    }
    nlohmann::json get_json(const std::string& path, const std::string& token) {
        auto reply = get(path, token);
        REQUIRE(reply);
        INFO(reply->body);
        REQUIRE(reply->status == 200);
        return nlohmann::json::parse(reply->body);
    }
    // A refused PUT: its status, and the error body it must carry.
    ErrorBody refused(const std::string& body, const std::string& token, int status,
                      const std::string& org = "demo-org") {
        auto reply = put(body, token, org);
        REQUIRE(reply);
        INFO(reply->body);
        CHECK(reply->status == status);
        auto error = decode_error(reply->body);
        REQUIRE(error);
        return *error;
    }
};

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE_METHOD(AssessmentServer,
                 "an admin saves assessments, the latest counts and every save is history") {
    CHECK(get("/api/v1/orgs/demo-org/assessment", viewer_token)->status == 404);
    CHECK(get_json("/api/v1/orgs/demo-org/assessment/history", viewer_token)["assessments"] ==
          nlohmann::json::array());

    const auto first_document = sample_assessment();
    auto first = put(first_document, admin_token);
    REQUIRE(first);
    INFO(first->body);
    REQUIRE(first->status == 200);
    auto first_saved = nlohmann::json::parse(first->body);
    CHECK(first_saved["saved_by"].get<std::string>().starts_with("admin token "));
    CHECK(parse_utc_timestamp(first_saved["saved_at"].get<std::string>()));
    CHECK(first_saved["management"] == nlohmann::json{{"total", 101}, {"max", 145}, {"level", 4}});

    const auto second_document = replaced(
        replaced(first_document, "\"conformity_passed\": true", "\"conformity_passed\": false"),
        "sample auditor", "第二位审核员 second auditor");
    auto second = put(second_document, admin_token);
    REQUIRE(second);
    REQUIRE(second->status == 200);
    auto second_saved = nlohmann::json::parse(second->body);
    CHECK(second_saved["id"].get<std::int64_t>() > first_saved["id"].get<std::int64_t>());

    // The current one, with the document exactly as sent (cxscore --assessment reads it).
    auto current = get_json("/api/v1/orgs/demo-org/assessment", viewer_token);
    CHECK(current["id"] == second_saved["id"]);
    CHECK(current["document"] == second_document);
    CHECK(current["auditor"] == "第二位审核员 second auditor");
    CHECK(current["date"] == "2026-11-30");
    CHECK(current["conformity_passed"] == false);
    CHECK(current["levels"]["4.1"] == 4);
    CHECK(current["levels"].size() == 21);
    CHECK(get_json("/api/v1/orgs/demo-org/assessment", admin_token) == current);

    auto history = get_json("/api/v1/orgs/demo-org/assessment/history", viewer_token);
    REQUIRE(history["assessments"].size() == 2);
    CHECK(history["org"] == "demo-org");
    CHECK(history["assessments"][0]["id"] == second_saved["id"]);
    CHECK(history["assessments"][1]["id"] == first_saved["id"]);
    CHECK(history["assessments"][1]["auditor"] == "sample auditor");
    CHECK(history["assessments"][1]["saved_at"] == first_saved["saved_at"]);
    CHECK_FALSE(history["assessments"][0].contains("document"));
}

TEST_CASE_METHOD(AssessmentServer, "a bad assessment is refused with the parser's line") {
    const auto good = sample_assessment();
    SECTION("an incomplete one names what is missing, at the line of \"levels\"") {
        auto error =
            refused(replaced(good, "    \"7.2\": 4\n", "    \"7.3\": 4\n"), admin_token, 400);
        CHECK(error.code == "invalid_assessment");
        CHECK_THAT(error.detail, Catch::Contains("unknown requirement \"7.3\""));
    }
    SECTION("a level out of range, with its line") {
        auto reply = put(replaced(good, "\"1.2\": 3", "\"1.2\": 6"), admin_token);
        REQUIRE(reply);
        CHECK(reply->status == 400);
        auto body = nlohmann::json::parse(reply->body);
        CHECK(body["error"] == "invalid_assessment");
        CHECK(body["line"] == 9);
        CHECK_THAT(body["detail"].get<std::string>(),
                   Catch::StartsWith("line 9: requirement \"1.2\": level must be an integer 1–5"));
    }
    SECTION("not JSON") {
        CHECK(refused("{\"org\": ", admin_token, 400).code == "invalid_assessment");
    }
    SECTION("a date that is no day") {
        CHECK_THAT(refused(replaced(good, "2026-11-30", "2026-02-30"), admin_token, 400).detail,
                   Catch::Contains("YYYY-MM-DD"));
    }
    SECTION("a document for another org, sent to this org's address") {
        CHECK_THAT(
            refused(replaced(good, "\"org\": \"demo-org\"", "\"org\": \"rival\""), admin_token, 400)
                .detail,
            Catch::Contains("line 2: field \"org\" is \"rival\""));
    }
    SECTION("over the body limit (--max-body, as every endpoint)") {
        CHECK(refused(replaced(good, "\"notes\": \"", "\"notes\": \"" + std::string(300000, 'x')),
                      admin_token, 413)
                  .code == "payload_too_large");
    }
    // Nothing refused was saved.
    CHECK(get("/api/v1/orgs/demo-org/assessment", viewer_token)->status == 404);
}

TEST_CASE_METHOD(AssessmentServer,
                 "only an admin token of the org saves, viewers and admins read") {
    const auto good = sample_assessment();
    CHECK(http.Put("/api/v1/orgs/demo-org/assessment", good, "application/json")->status == 401);
    CHECK(refused(good, std::string(64, 'e'), 401).code == "unauthorized");
    CHECK(refused(good, viewer_token, 403).code == "forbidden");
    CHECK(refused(good, device_token, 403).code == "forbidden");
    auto rival_admin = test::add_token(db, {"--role", "admin", "--org", "rival"});
    CHECK(refused(good, rival_admin, 403).code == "forbidden");
    CHECK(get("/api/v1/orgs/demo-org/assessment", rival_admin)->status == 403);
    CHECK(get("/api/v1/orgs/demo-org/assessment/history", device_token)->status == 403);
    CHECK(http.Post("/api/v1/orgs/demo-org/assessment",
                    {{"Authorization", "Bearer " + admin_token}}, good, "application/json")
              ->status == 404);
    CHECK(get("/api/v1/orgs/demo-org/assessment", viewer_token)->status == 404);  // none saved
}

TEST_CASE_METHOD(AssessmentServer, "GET /api/v1/management: the scheme an assessment form shows") {
    CHECK(http.Get("/api/v1/management")->status == 401);
    auto scheme = get_json("/api/v1/management", device_token);
    CHECK(scheme == get_json("/api/v1/management", viewer_token));
    CHECK(scheme["max"] == 145);
    REQUIRE(scheme["requirements"].size() == 21);
    CHECK(scheme["requirements"][0]["id"] == "1.1");
    CHECK(scheme["requirements"][0]["name_zh"] == "理解组织及其所处的环境");
    CHECK(scheme["requirements"][0]["group_zh"] == "组织所处环境");
    CHECK(scheme["requirements"][20]["name_en"] == "Continual improvement");
    CHECK(scheme["bands"].size() == 5);
    // 附录2's descriptions, each level's points in order.
    REQUIRE(scheme["maturity_levels"].size() == 5);
    CHECK(scheme["maturity_levels"][0]["name_zh"] == "第一级");
    CHECK(scheme["maturity_levels"][4]["description_zh"].size() == 3);
    CHECK_THAT(scheme["maturity_levels"][4]["description_zh"][0].get<std::string>(),
               Catch::StartsWith("服务认证管理达到行业领先水平"));
}
