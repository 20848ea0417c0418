// `cxkiosk export`: JSONL is the stored canonical lines; CSV has a BOM, RFC
// 4180 quoting, one column per item, N/A as "N/A", unshown items empty.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "cx/config/config_files.hpp"
#include "cx/kiosk/export.hpp"
#include "cx/scoring/csv_rows.hpp"
#include "kiosk_test_support.hpp"

using namespace cx;
using namespace cx::kiosk;
using namespace std::chrono_literals;

using test::slurp;

TEST_CASE("csv fields are quoted only when needed, quotes doubled") {
    std::string out;
    append_csv_field(out, "plain");
    out += '|';
    append_csv_field(out, "a,b");
    out += '|';
    append_csv_field(out, "say \"hi\"");
    out += '|';
    append_csv_field(out, "two\nlines");
    CHECK(out == "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"");
}

TEST_CASE("export writes jsonl and csv in seq order") {
    auto opened = Store::open(":memory:", test::test_key());
    REQUIRE(opened);
    auto& store = *opened.value();
    const StoreIdentity identity{"kiosk-01", "demo-org", "hq",
                                 test::shipped_config().questionnaire.id};
    const auto noon = std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + 12h;
    Submission complete;
    complete.started_wall = noon - 2min;
    complete.duration_ms = 90'000;
    for (const auto& item : test::shipped_config().questionnaire.items)
        complete.answers.push_back({item.id, 4});
    complete.answers[1].level = kNotApplicable;
    REQUIRE(store.append(complete, identity, test::shipped_config().policy, noon).ok());
    Submission partial;
    partial.status = ResponseStatus::Incomplete;
    partial.lang = Lang::En;
    partial.started_wall = noon;
    partial.duration_ms = 70'000;
    partial.answers = {{"1.1", 1}};
    REQUIRE(store.append(partial, identity, test::shipped_config().policy, noon + 70s).ok());

    const test::TempDir temp;
    const auto& dir = temp.path;
    const auto& config = test::shipped_config();
    auto jsonl = export_responses(store, config.questionnaire, config.policy, ExportFormat::Jsonl,
                                  dir / "out.jsonl");
    REQUIRE(jsonl.ok());
    CHECK(jsonl.value().records == 2);
    CHECK(jsonl.value().file.sha256.size() == 64);
    const auto lines = slurp(dir / "out.jsonl");
    CHECK(std::count(lines.begin(), lines.end(), '\n') == 2);
    CHECK(lines.find("\"seq\":1,") < lines.find("\"seq\":2,"));

    auto csv = export_responses(store, config.questionnaire, config.policy, ExportFormat::Csv,
                                dir / "out.csv");
    REQUIRE(csv.ok());
    const auto text = slurp(dir / "out.csv");
    REQUIRE(
        text.starts_with("\xEF\xBB\xBF"
                         "id,device,org,site,seq,questionnaire,lang,status,started_at,"
                         "submitted_at,duration_ms,flags,upload_state,refusal,1.1,1.2,1.3,"));
    std::istringstream rows(text);
    std::string header, first, second;
    std::getline(rows, header);
    std::getline(rows, first);
    std::getline(rows, second);
    CHECK(header.ends_with(",7\r"));
    CHECK_THAT(
        first,
        Catch::Contains(
            ",1,tbsc134-b1,zh,complete,2026-11-25T11:58:00Z,2026-11-25T12:00:00Z,90000,,waiting,,4,"
            "N/A,4,"));
    CHECK_THAT(second, Catch::Contains(",2,tbsc134-b1,en,incomplete,"));
    CHECK_THAT(second, Catch::Contains(",70000,incomplete,waiting,,1,,"));
    CHECK(second.ends_with(",\r"));  // item 7 was not shown: empty

    auto xlsx = export_responses(store, config.questionnaire, config.policy, ExportFormat::Xlsx,
                                 dir / "out.xlsx");
    REQUIRE(xlsx.ok());
    CHECK(xlsx.value().records == 2);
    CHECK(slurp(dir / "out.xlsx").starts_with("PK"));
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        CHECK(entry.path().filename().string().find(".tmp") == std::string::npos);
    }

    // Each export is in the audit log with its file, count and SHA-256.
    auto log = store.audit_log();
    REQUIRE(log.ok());
    REQUIRE(log.value().size() == 3);
    for (const auto& entry : log.value()) CHECK(entry.event == "export");
    CHECK_THAT(log.value()[0].detail, Catch::Contains("\"records\":2"));
    CHECK_THAT(log.value()[0].detail, Catch::Contains("\"format\":\"jsonl\""));
    CHECK_THAT(log.value()[2].detail,
               Catch::Contains("\"sha256\":\"" + xlsx.value().file.sha256 + "\""));
}

TEST_CASE("export formats and file names") {
    CHECK(parse_export_format("xlsx") == ExportFormat::Xlsx);
    CHECK(parse_export_format("csv") == ExportFormat::Csv);
    CHECK_FALSE(parse_export_format("xls").has_value());
    const auto at = std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + 9h + 5min + 7s;
    CHECK(export_file_name("kiosk-01", ExportFormat::Csv, at) ==
          "cxkiosk-kiosk-01-2026-11-25T090507Z.csv");
}

TEST_CASE("export into a missing directory fails with the path, leaving nothing") {
    auto opened = Store::open(":memory:", test::test_key());
    REQUIRE(opened);
    auto result = export_responses(*opened.value(), test::shipped_config().questionnaire,
                                   test::shipped_config().policy, ExportFormat::Jsonl,
                                   "/nonexistent-dir/out.jsonl");
    REQUIRE_FALSE(result.ok());
    CHECK_THAT(result.error().message, Catch::Contains("/nonexistent-dir/"));
}
