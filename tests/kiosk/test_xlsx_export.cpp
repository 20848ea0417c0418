// The Excel export read back: unzip the workbook and check the sheet XML.
#include <catch2/catch.hpp>

#include <fstream>

#include "command_output.hpp"
#include "cx/config/config_files.hpp"
#include "cx/kiosk/xlsx_export.hpp"

using namespace cx;
using cx::test::command_output;
namespace fs = std::filesystem;

namespace {

std::vector<Response> sample_responses(const Questionnaire& questionnaire, std::size_t count) {
    std::ifstream in(fs::path(CX_TEST_CONFIG_DIR) / "samples" / "responses.jsonl");
    ResponseParser parser({&questionnaire, 1});
    std::vector<Response> responses;
    for (std::string line; responses.size() < count && std::getline(in, line);) {
        Response r;
        REQUIRE(parser.parse(line, r).ok());
        responses.push_back(std::move(r));
    }
    return responses;
}

}  // namespace

TEST_CASE("the XLSX export has a responses sheet with Chinese item headers and a summary sheet") {
    auto config = load_scoring_config(CX_TEST_CONFIG_DIR);
    REQUIRE(config.ok());
    const auto& questionnaire = config.value().questionnaire;
    auto responses = sample_responses(questionnaire, 25);
    REQUIRE(responses.size() == 25);

    auto dir = fs::temp_directory_path() / ("cx-xlsx-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::size_t next = 0;
    auto result = write_xlsx_export(dir / "export.xlsx", questionnaire, config.value().policy,
                                    [&](ExportRow& out) {
                                        if (next == responses.size()) return false;
                                        const bool refused = next == 3;
                                        out.response = responses[next++];
                                        out.upload_state = refused ? "refused" : "sent";
                                        out.refusal = refused ? "conflict: id taken" : "";
                                        return true;
                                    });
    REQUIRE(result.ok());
    CHECK(result.value().records == 25);
    CHECK(result.value().file.sha256.size() == 64);
    CHECK(fs::file_size(dir / "export.xlsx") == result.value().file.bytes);

    auto sha = command_output("sha256sum '" + (dir / "export.xlsx").string() + "'");
    CHECK(sha.substr(0, 64) == result.value().file.sha256);

    auto unzip = "unzip -p '" + (dir / "export.xlsx").string() + "' ";
    auto workbook = command_output(unzip + "xl/workbook.xml");
    CHECK_THAT(workbook, Catch::Contains("答卷 Responses"));
    CHECK_THAT(workbook, Catch::Contains("汇总 Summary"));

    auto sheet = command_output(unzip + "xl/worksheets/sheet1.xml");
    CHECK_THAT(sheet, Catch::Contains("1.1 功能性·人员"));
    CHECK_THAT(sheet, Catch::Contains("1.2 功能性·设备设施"));
    CHECK_THAT(sheet, Catch::Contains("7 服务规范"));
    CHECK_THAT(sheet, Catch::Contains("上传 upload_state") && Catch::Contains("拒收 refusal"));
    CHECK_THAT(sheet, Catch::Contains(">refused<") && Catch::Contains(">conflict: id taken<"));
    CHECK_THAT(sheet, Catch::Contains(responses[0].id));
    CHECK_THAT(sheet, Catch::Contains(responses[24].id));
    // 25 data rows plus the header row.
    CHECK_THAT(sheet, Catch::Contains("<row r=\"26\""));
    CHECK_THAT(sheet, !Catch::Contains("<row r=\"27\""));

    auto summary = command_output(unzip + "xl/worksheets/sheet2.xml");
    CHECK_THAT(summary, Catch::Contains("服务特性测评得分 Service score"));
    CHECK_THAT(summary, Catch::Contains(config.value().policy.version));
    CHECK_THAT(summary, Catch::Contains("功能性 Functionality"));
    fs::remove_all(dir);
}

TEST_CASE("an XLSX export into a missing folder fails cleanly") {
    auto config = load_scoring_config(CX_TEST_CONFIG_DIR).value();
    auto result = write_xlsx_export("/nonexistent/dir/export.xlsx", config.questionnaire,
                                    config.policy, [](ExportRow&) { return false; });
    REQUIRE_FALSE(result.ok());
}
