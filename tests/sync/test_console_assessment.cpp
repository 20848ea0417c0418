// The console's management assessment, grade and report over plain HTTP against the
// real cxserver: PUT …/assessment with a certifier's session (cookie + X-CSRF-Token),
// the assessment form (saved through the PUT's code, errors beside their field with
// the input kept, history, pre-filled with the latest), the grade on the organisation
// page, and the report's figures against the score JSON of the same period.
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>

#include "command_output.hpp"
#include "console_test_support.hpp"
#include "cx/config/config_files.hpp"
#include "cx/sync/uploader.hpp"
#include "sync_test_support.hpp"

using namespace cx;
using namespace cx::test;
using json = nlohmann::json;

namespace {

// The sample assessment (config/samples/assessment.json) as the form's fields.
std::map<std::string, std::string> sample_form(const std::string& csrf) {
    auto text =
        read_text_file(std::filesystem::path(CX_TEST_CONFIG_DIR) / "samples" / "assessment.json");
    REQUIRE(text);
    auto sample = json::parse(text.value());
    std::map<std::string, std::string> form{{"csrf", csrf},
                                            {"conformity", "yes"},
                                            {"auditor", "审核员 Auditor A"},
                                            {"date", "2026-11-30"},
                                            {"notes", "现场审核 on site"}};
    for (const auto& [id, level] : sample["levels"].items())
        form["level-" + id] = std::to_string(level.get<int>());
    return form;
}

struct SignedIn : Console {
    SignedIn() {
        test::MemoryOutbox outbox(test::make_records("demo-org", "hq", "kiosk-01", 1, 30));
        REQUIRE(sync_once(outbox, client_config()).ok);
        REQUIRE(certifier.sign_in("carla", kCertifierPassword)->status == 303);
        certifier_csrf = csrf_field(certifier.get("/console")->body);
    }
    Browser certifier = browser();
    std::string certifier_csrf;
    httplib::Client api{"127.0.0.1", server->port()};

    json api_json(const std::string& path) {
        auto reply = api.Get(path, httplib::Headers{{"Authorization", "Bearer " + viewer_token}});
        REQUIRE(reply);
        INFO(reply->body);
        REQUIRE(reply->status == 200);
        return json::parse(reply->body);
    }
    httplib::Result put_with_session(Browser& who, const std::string& csrf_header,
                                     const std::string& body) {
        httplib::Headers extra;
        if (!csrf_header.empty()) extra.emplace("X-CSRF-Token", csrf_header);
        auto reply = who.http.Put("/api/v1/orgs/demo-org/assessment", who.headers(extra), body,
                                  "application/json");
        REQUIRE(reply);
        return reply;
    }
};

std::size_t count_of(const std::string& text, const std::string& part) {
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
    return count;
}

// The text of the element with `id` (a cell the report marks for this comparison).
std::string cell(const std::string& page, const std::string& id) {
    std::smatch found;
    const std::regex element("id=\"" + id + "\"[^>]*>([^<]*)<");
    REQUIRE(std::regex_search(page, found, element));
    return found[1];
}

// The grade as the console writes it.
std::string grade_text(const json& score, Lang lang) {
    const auto grade = score["grade"].get<std::string>();
    if (grade != "none") return grade;
    return lang == Lang::Zh ? "无（未达到任何级别）" : "none (no grade reached)";
}

}  // namespace

TEST_CASE_METHOD(SignedIn, "console: a certifier's session saves an assessment with PUT") {
    auto text =
        read_text_file(std::filesystem::path(CX_TEST_CONFIG_DIR) / "samples" / "assessment.json");
    REQUIRE(text);
    // The session's CSRF token must come in the header: a cookie alone is what another
    // site's page could make the browser send.
    CHECK(put_with_session(certifier, "", text.value())->status == 403);
    CHECK(put_with_session(certifier, std::string(64, 'a'), text.value())->status == 403);
    auto saved = put_with_session(certifier, certifier_csrf, text.value());
    INFO(saved->body);
    REQUIRE(saved->status == 200);
    CHECK(json::parse(saved->body)["saved_by"] == "carla");
    // A bad document is refused with the parser's line, as for a token.
    auto bad = put_with_session(certifier, certifier_csrf, "{\n\"org\": \"demo-org\"\n}");
    CHECK(bad->status == 400);
    CHECK(json::parse(bad->body)["error"] == "invalid_assessment");

    auto viewer = browser();
    REQUIRE(viewer.sign_in("vic", kViewerPassword)->status == 303);
    const auto viewer_csrf = csrf_field(viewer.get("/console/orgs/demo-org")->body);
    CHECK(put_with_session(viewer, viewer_csrf, text.value())->status == 403);
    auto nobody = api.Put("/api/v1/orgs/demo-org/assessment", text.value(), "application/json");
    REQUIRE(nobody);
    CHECK(nobody->status == 401);
    CHECK(api_json("/api/v1/orgs/demo-org/assessment/history")["assessments"].size() == 1);
}

TEST_CASE_METHOD(SignedIn,
                 "console: the assessment form keeps input and shows errors at the "
                 "field, then saves, grades and lists history") {
    auto empty = certifier.get("/console/orgs/demo-org/assessment");
    REQUIRE(empty->status == 200);
    CHECK(is_html(empty));
    CHECK(count_of(empty->body, "<fieldset class=\"requirement\" id=\"level-") == 21);
    CHECK(count_of(empty->body, "<details>") == 5);  // 附录2's five level descriptions
    CHECK(empty->body.find("理解组织及其所处的环境") != std::string::npos);
    CHECK(empty->body.find(" checked") == std::string::npos);  // nothing saved yet
    CHECK(empty->body.find("尚无审核记录") != std::string::npos);

    auto form = sample_form(certifier_csrf);
    SECTION("a level left out: the message beside it, every other entry kept") {
        form.erase("level-3.2");
        auto refused = certifier.post("/console/orgs/demo-org/assessment", form);
        CHECK(refused->status == 422);
        const auto& page = refused->body;
        const auto error_at = page.find("id=\"level-3.2-error\"");
        REQUIRE(error_at != std::string::npos);
        CHECK(page.find("requirement &quot;3.2&quot;", error_at) < page.find("</p>", error_at));
        CHECK(error_at > page.find("id=\"level-3.2\""));
        CHECK(page.find("id=\"level-1.1-" + form["level-1.1"] + "\" name=\"level-1.1\" value=\"" +
                        form["level-1.1"] + "\" checked=\"checked\"") != std::string::npos);
        CHECK(page.find("value=\"审核员 Auditor A\"") != std::string::npos);
        CHECK(page.find(">现场审核 on site</textarea>") != std::string::npos);
        CHECK(api.Get("/api/v1/orgs/demo-org/assessment",
                      httplib::Headers{{"Authorization", "Bearer " + viewer_token}})
                  ->status == 404);
    }
    SECTION("a date that is no day: the message beside the date") {
        form["date"] = "2026-13-40";
        auto refused = certifier.post("/console/orgs/demo-org/assessment", form);
        CHECK(refused->status == 422);
        CHECK(refused->body.find("id=\"date-error\"") != std::string::npos);
        CHECK(refused->body.find("value=\"2026-13-40\"") != std::string::npos);
    }
    SECTION("no conformity review given") {
        form.erase("conformity");
        auto refused = certifier.post("/console/orgs/demo-org/assessment", form);
        CHECK(refused->status == 422);
        CHECK(refused->body.find("id=\"conformity-error\"") != std::string::npos);
    }
    SECTION("without the session's CSRF token nothing is saved") {
        form["csrf"] = std::string(64, '0');
        CHECK(certifier.post("/console/orgs/demo-org/assessment", form)->status == 403);
        CHECK(api_json("/api/v1/orgs/demo-org/assessment/history")["assessments"].empty());
    }
    SECTION("saved: the organisation's grade is the score JSON's, the form pre-filled") {
        auto before = certifier.get("/console/orgs/demo-org");
        CHECK(before->body.find("尚未录入管理要求审核") != std::string::npos);
        // The form keeps the period of the page it came from (the records' month) and
        // goes back to it.
        const std::string period = "from=2025-11-01&to=2025-12-01";
        auto saved = certifier.post("/console/orgs/demo-org/assessment?" + period, form);
        CHECK(saved->status == 303);
        CHECK(saved->get_header_value("Location") ==
              "/console/orgs/demo-org?" + period + "&saved=1#grade");

        auto score = api_json("/api/v1/orgs/demo-org/score?" + period);
        REQUIRE(score["grade"].is_string());
        CHECK(score["respondents"] == api_json("/api/v1/orgs/demo-org/score")["respondents"]);
        auto page = certifier.get("/console/orgs/demo-org?" + period + "&saved=1&lang=en");
        REQUIRE(page->status == 200);
        CHECK(page->body.find("The assessment is saved.") != std::string::npos);
        CHECK(cell(page->body, "grade-value") == grade_text(score, Lang::En));
        CHECK(page->body.find(score["management"]["total"].dump() + " / " +
                              score["management"]["max"].dump()) != std::string::npos);
        // Every higher grade not reached, with what failed.
        CHECK(count_of(page->body, "<li>Not reached ") == score["reasons"].size());

        auto current = api_json("/api/v1/orgs/demo-org/assessment");
        CHECK(current["saved_by"] == "carla");
        CHECK(current["auditor"] == "审核员 Auditor A");
        CHECK(current["notes"] == "现场审核 on site");
        CHECK(current["levels"]["3.2"].dump() == form["level-3.2"]);

        auto again = certifier.get("/console/orgs/demo-org/assessment");
        CHECK(count_of(again->body, "checked=\"checked\"") == 22);       // 21 levels + conformity
        CHECK(again->body.find("<td>carla</td>") != std::string::npos);  // the history
    }
}

TEST_CASE_METHOD(SignedIn, "console: the assessment is the certifier's, not a viewer's") {
    auto viewer = browser();
    REQUIRE(viewer.sign_in("vic", kViewerPassword)->status == 303);
    CHECK(viewer.get("/console/orgs/demo-org/assessment")->status == 403);
    CHECK(viewer.get("/console/orgs/other-org/assessment")->status == 404);
    const auto viewer_csrf = csrf_field(viewer.get("/console/orgs/demo-org")->body);
    CHECK(viewer.post("/console/orgs/demo-org/assessment", sample_form(viewer_csrf))->status ==
          403);
    CHECK(viewer.get("/console/orgs/demo-org")->body.find("/assessment\"") == std::string::npos);
    CHECK(api_json("/api/v1/orgs/demo-org/assessment/history")["assessments"].empty());
    CHECK(browser().get("/console/orgs/demo-org/assessment")->status == 303);  // no session
}

TEST_CASE_METHOD(SignedIn, "console: the report shows the score JSON's figures to the last digit") {
    REQUIRE(
        certifier.post("/console/orgs/demo-org/assessment", sample_form(certifier_csrf))->status ==
        303);
    const std::string period = "from=2025-11-25T10:05:00Z&to=2025-11-25T10:25:00Z&site=hq";
    auto score = api_json("/api/v1/orgs/demo-org/score?" + period);
    auto report = certifier.get("/console/orgs/demo-org/report?" + period);
    REQUIRE(report->status == 200);
    const auto& page = report->body;
    CHECK(cell(page, "report-org") == "demo-org");
    CHECK(cell(page, "report-period") == "2025-11-25T10:05:00Z – 2025-11-25T10:25:00Z");
    CHECK(cell(page, "report-site") == "hq");
    CHECK(cell(page, "report-policy") == score["policy"]["version"].get<std::string>());
    CHECK(cell(page, "report-auditor") == "审核员 Auditor A");
    CHECK(cell(page, "report-respondents") == score["respondents"].dump());
    CHECK(score["respondents"].get<int>() > 0);
    CHECK(score["respondents"].get<int>() < 30);  // the period selected some
    CHECK(cell(page, "report-service-score") == score["service_score"].dump());
    CHECK(cell(page, "report-ci") == score["ci95"][0].dump() + " – " + score["ci95"][1].dump());
    CHECK(cell(page, "report-excluded") == score["excluded_total"].dump());
    for (const auto& characteristic : score["characteristics"])
        CHECK(page.find(">" + characteristic["points"].dump() + " / " +
                        characteristic["max"].dump() + "</text>") != std::string::npos);
    auto current = api_json("/api/v1/orgs/demo-org/assessment");
    for (const auto& [id, level] : current["levels"].items())
        CHECK(cell(page, "report-level-" + id) == level.dump());
    CHECK(cell(page, "grade-value") == grade_text(score, Lang::Zh));

    CHECK(certifier.get("/console/orgs/demo-org/report?from=yesterday")->status == 400);
    auto viewer = browser();
    REQUIRE(viewer.sign_in("vic", kViewerPassword)->status == 303);
    CHECK(viewer.get("/console/orgs/demo-org/report")->status == 200);
    CHECK(viewer.get("/console/orgs/other-org/report")->status == 404);
}

TEST_CASE_METHOD(SignedIn, "console: the period's records as JSONL and CSV, streamed") {
    const std::string period = "from=2025-11-25T10:05:00Z&to=2025-11-25T10:25:00Z&site=hq";
    auto api_export = api.Get("/api/v1/orgs/demo-org/responses.jsonl?" + period,
                              httplib::Headers{{"Authorization", "Bearer " + viewer_token}});
    REQUIRE(api_export);
    REQUIRE(api_export->status == 200);
    const auto records = split_lines(api_export->body).size();
    CHECK(records == api_json("/api/v1/orgs/demo-org/score?" + period)["respondents"]);

    // The JSON Lines are the API's, byte for byte.
    auto jsonl = certifier.get("/console/orgs/demo-org/responses.jsonl?" + period);
    REQUIRE(jsonl->status == 200);
    CHECK(jsonl->body == api_export->body);
    CHECK(jsonl->get_header_value("Content-Disposition") ==
          "attachment; filename=\"demo-org-responses.jsonl\"");

    auto csv = certifier.get("/console/orgs/demo-org/responses.csv?" + period);
    REQUIRE(csv->status == 200);
    CHECK(csv->get_header_value("Content-Type") == "text/csv; charset=utf-8");
    CHECK(csv->body.starts_with("\xEF\xBB\xBFid,device,org,site,seq,"));
    CHECK(count_of(csv->body, "\r\n") == records + 1);  // the header and one line a record
    const auto first = split_lines(api_export->body).front();
    const auto id = json::parse(first)["id"].get<std::string>();
    CHECK(csv->body.find("\r\n" + id + ",kiosk-01,demo-org,hq,") != std::string::npos);

    CHECK(certifier.get("/console/orgs/demo-org/responses.csv?from=never")->status == 400);
    auto viewer = browser();
    REQUIRE(viewer.sign_in("vic", kViewerPassword)->status == 303);
    CHECK(viewer.get("/console/orgs/demo-org/responses.csv")->status == 200);
    CHECK(viewer.get("/console/orgs/other-org/responses.csv")->status == 404);
    CHECK(browser().get("/console/orgs/demo-org/responses.jsonl")->status == 303);
}

TEST_CASE_METHOD(SignedIn, "console: the period's records as XLSX, its summary the score's") {
    const std::string period = "from=2025-11-25T10:05:00Z&to=2025-11-25T10:25:00Z&site=hq";
    auto score = api_json("/api/v1/orgs/demo-org/score?" + period);
    const auto records = score["respondents"].get<int>();
    REQUIRE(records > 0);
    auto xlsx = certifier.get("/console/orgs/demo-org/responses.xlsx?" + period);
    REQUIRE(xlsx->status == 200);
    CHECK(xlsx->get_header_value("Content-Type") ==
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    CHECK(xlsx->get_header_value("Content-Disposition") ==
          "attachment; filename=\"demo-org-responses.xlsx\"");

    const auto file = std::filesystem::temp_directory_path() /
                      ("cx-console-" + std::to_string(::getpid()) + ".xlsx");
    {
        std::ofstream out(file, std::ios::binary);
        out << xlsx->body;
    }
    const auto unzip = "unzip -p '" + file.string() + "' ";
    const auto sheet = cx::test::command_output(unzip + "xl/worksheets/sheet1.xml");
    const auto summary = cx::test::command_output(unzip + "xl/worksheets/sheet2.xml");
    std::filesystem::remove(file);
    // The header row and one row a record, each record once.
    CHECK(count_of(sheet, "<row r=") == static_cast<std::size_t>(records) + 1);
    CHECK(sheet.find("1.1 功能性·人员") != std::string::npos);
    // The summary is the score of the same selection: organisation, period, figures.
    CHECK(summary.find(">demo-org<") != std::string::npos);
    CHECK(summary.find(">2025-11-25T10:05:00Z – 2025-11-25T10:25:00Z<") != std::string::npos);
    CHECK(summary.find("<v>" + score["respondents"].dump() + "</v>") != std::string::npos);
    CHECK(summary.find("<v>" + score["service_score"].dump() + "</v>") != std::string::npos);

    // Without the period's bounds: the pages' default period (the last 90 days), empty here.
    auto recent = certifier.get("/console/orgs/demo-org/responses.xlsx");
    REQUIRE(recent->status == 200);
    CHECK(browser().get("/console/orgs/demo-org/responses.xlsx")->status == 303);  // no session
    auto viewer = browser();
    REQUIRE(viewer.sign_in("vic", kViewerPassword)->status == 303);
    CHECK(viewer.get("/console/orgs/other-org/responses.xlsx")->status == 404);
}
