// Runs the real cxscore binary: usage errors exit 2, every class of bad data
// exits 3 with FILE:LINE: messages and no score on stdout, a good file prints
// the report.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cx/config/config_files.hpp"
#include "cx/scoring/response.hpp"
#include "scoring_fixtures.hpp"

namespace fs = std::filesystem;
using namespace cx;

namespace {

struct Run {
    int exit_code = -1;
    std::string out;
    std::string err;
};

fs::path scratch() {
    return cx::testing::scratch_dir();
}

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

fs::path write_file(const std::string& name, const std::string& content) {
    auto path = scratch() / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
}

// Runs cxscore with `args` (already shell-quoted where needed).
Run cxscore(const std::string& args) {
    auto out = scratch() / "stdout.txt";
    auto err = scratch() / "stderr.txt";
    std::string command = std::string("'") + CXSCORE_PATH + "' " + args + " --config '" +
                          CX_TEST_CONFIG_DIR + "' >'" + out.string() + "' 2>'" + err.string() + "'";
    int status = std::system(command.c_str());
    REQUIRE(WIFEXITED(status));
    return {WEXITSTATUS(status), slurp(out), slurp(err)};
}

Run score_file(const fs::path& responses, const std::string& extra = "") {
    return cxscore("score --responses '" + responses.string() + "' " + extra);
}

Response record(int seq, int level) {
    Response r;
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", seq);
    r.id = id;
    r.device = "kiosk-01";
    r.org = "demo-org";
    r.site = "hq";
    r.seq = seq;
    r.questionnaire = "tbsc134-b1";
    r.started_at = "2026-11-25T09:59:10Z";
    r.submitted_at = "2026-11-25T10:00:00Z";
    r.duration_ms = 50000;
    for (const auto& item : cx::testing::shipped().questionnaire.items)
        r.answers.push_back({item.id, level});
    canonicalize(r);
    return r;
}

// Four good lines: levels 5, 4, 5, 4 → S = 90.
std::vector<std::string> good_lines() {
    return {to_canonical_json(record(1, 5)), to_canonical_json(record(2, 4)),
            to_canonical_json(record(3, 5)), to_canonical_json(record(4, 4))};
}

std::string join(const std::vector<std::string>& lines, const char* eol = "\n") {
    std::string text;
    for (const auto& line : lines) text += line + eol;
    return text;
}

std::string replaced(std::string line, const std::string& from, const std::string& to) {
    auto at = line.find(from);
    REQUIRE(at != std::string::npos);
    return line.replace(at, from.size(), to);
}

std::string assessment(int level, int count = 21) {
    const auto& requirements = cx::testing::shipped().management.requirements;
    std::string levels;
    for (int i = 0; i < count; ++i)
        levels += (i ? ",\n    \"" : "    \"") + requirements[static_cast<std::size_t>(i)].id +
                  "\": " + std::to_string(level);
    return "{\n  \"org\": \"demo-org\",\n  \"conformity_passed\": true,\n  \"levels\": {\n" +
           levels + "\n  }\n}\n";
}

}  // namespace

TEST_CASE("cxscore: a good file prints the JSON report and exits 0") {
    auto responses = write_file("good.jsonl", join(good_lines()));
    auto run = score_file(responses);
    REQUIRE(run.exit_code == 0);
    CHECK(run.err.empty());
    auto json = nlohmann::json::parse(run.out);
    CHECK(json["respondents"] == 4);
    CHECK(json["service_score"] == 90.0);
    CHECK(json["excluded_total"] == 0);
    for (const char* field :
         {"questionnaire", "excluded", "service_score_exact", "sd", "ci95", "characteristics",
          "items", "management", "grade", "reasons", "policy"})
        CHECK(json.contains(field));
    CHECK(json["grade"].is_null());

    auto assessed = write_file("assessment.json", assessment(4));  // 116 points → level 5
    auto graded = score_file(responses, "--assessment '" + assessed.string() + "'");
    REQUIRE(graded.exit_code == 0);
    auto graded_json = nlohmann::json::parse(graded.out);
    CHECK(graded_json["management"]["total"] == 116);
    CHECK(graded_json["management"]["level"] == 5);
    CHECK(graded_json["grade"] == "AAAA");
}

TEST_CASE("cxscore: CRLF line ends, a missing final newline and standard input work") {
    auto crlf = write_file("crlf.jsonl", join(good_lines(), "\r\n"));
    CHECK(nlohmann::json::parse(score_file(crlf).out)["respondents"] == 4);
    auto text = join(good_lines());
    text.pop_back();
    auto unterminated = write_file("unterminated.jsonl", text);
    CHECK(nlohmann::json::parse(score_file(unterminated).out)["respondents"] == 4);
    auto piped = cxscore("score --responses - <'" + unterminated.string() + "'");
    REQUIRE(piped.exit_code == 0);
    CHECK(nlohmann::json::parse(piped.out)["service_score"] == 90.0);
    auto empty = write_file("empty.jsonl", "");
    auto none = score_file(empty);
    REQUIRE(none.exit_code == 0);
    CHECK(nlohmann::json::parse(none.out)["service_score"].is_null());
}

TEST_CASE("cxscore: --format text prints the bilingual report") {
    auto responses = write_file("good.jsonl", join(good_lines()));
    auto run = score_file(responses, "--format text");
    REQUIRE(run.exit_code == 0);
    CHECK_THAT(run.out, Catch::Contains("服务特性测评得分 Service score S: 90.00"));
    CHECK_THAT(run.out, Catch::Contains("有效受访者 Respondents scored: 4"));
}

TEST_CASE("cxscore: every class of bad line exits 3 with FILE:LINE: and prints no score") {
    auto good = good_lines();
    struct Case {
        std::string name;
        std::string bad_line;
        std::string message;
    };
    const std::vector<Case> cases{
        {"bad JSON", "{\"id\": ", "malformed JSON"},
        {"unknown item", replaced(good[0], R"("1.1":5)", R"("9.9":5)"), "unknown item \"9.9\""},
        {"level 6", replaced(good[0], R"("1.1":5)", R"("1.1":6)"),
         "level must be an integer 1–5 or null"},
        {"level 2.5", replaced(good[0], R"("1.1":5)", R"("1.1":2.5)"),
         "level must be an integer 1–5 or null"},
        {"level as text", replaced(good[0], R"("1.1":5)", R"("1.1":"5")"),
         "level must be an integer 1–5 or null"},
        {"missing field", replaced(good[0], R"("site":"hq",)", ""), "missing field \"site\""},
        {"invalid UTF-8", replaced(good[0], "kiosk-01", "kiosk-\xc3\x28"), "invalid UTF-8"},
        {"blank line", "", "blank line"},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        auto lines = good;
        lines.insert(lines.begin() + 2, c.bad_line);  // line 3
        auto path = write_file("bad.jsonl", join(lines));
        auto run = score_file(path);
        CHECK(run.exit_code == 3);
        CHECK(run.out.empty());
        CHECK_THAT(run.err, Catch::StartsWith(path.string() + ":3: "));
        CHECK_THAT(run.err, Catch::Contains(c.message));
    }
}

TEST_CASE("cxscore: errors are listed in line order, capped at 50, with a count of the rest") {
    auto good = good_lines();
    std::vector<std::string> lines;
    for (int i = 0; i < 20000; ++i) lines.push_back(good[static_cast<std::size_t>(i % 4)]);
    for (int i = 0; i < 60; ++i) lines[static_cast<std::size_t>(100 + i * 300)] = "not json";
    auto path = write_file("many_bad.jsonl", join(lines));
    auto run = score_file(path);
    CHECK(run.exit_code == 3);
    CHECK(run.out.empty());
    std::istringstream err(run.err);
    std::string line;
    std::vector<std::string> listed;
    while (std::getline(err, line)) listed.push_back(line);
    REQUIRE(listed.size() == 52);
    for (int i = 0; i < 50; ++i)
        CHECK_THAT(listed[static_cast<std::size_t>(i)],
                   Catch::StartsWith(path.string() + ":" + std::to_string(101 + i * 300) + ": "));
    CHECK_THAT(listed[50], Catch::Contains("… 10 more errors"));
    CHECK_THAT(listed[51], Catch::Contains("60 invalid lines"));
}

TEST_CASE("cxscore: a bad or incomplete assessment exits 3 with FILE:LINE:") {
    auto responses = write_file("good.jsonl", join(good_lines()));
    auto incomplete = write_file("incomplete.json", assessment(3, 20));
    auto run = score_file(responses, "--assessment '" + incomplete.string() + "'");
    CHECK(run.exit_code == 3);
    CHECK(run.out.empty());
    CHECK_THAT(run.err, Catch::StartsWith(incomplete.string() + ":4: incomplete assessment"));
    auto out_of_range =
        write_file("range.json", replaced(assessment(3), "\"1.2\": 3", "\"1.2\": 7"));
    auto range = score_file(responses, "--assessment '" + out_of_range.string() + "'");
    CHECK(range.exit_code == 3);
    CHECK_THAT(range.err, Catch::StartsWith(out_of_range.string() + ":6: "));
}

TEST_CASE("cxscore: unreadable files exit 3, usage errors exit 2, --help documents exit codes") {
    auto missing = score_file(scratch() / "does-not-exist.jsonl");
    CHECK(missing.exit_code == 3);
    CHECK_THAT(missing.err, Catch::Contains("does-not-exist.jsonl: cannot open"));
    auto responses = write_file("good.jsonl", join(good_lines()));
    auto no_assessment =
        score_file(responses, "--assessment '" + (scratch() / "nope.json").string() + "'");
    CHECK(no_assessment.exit_code == 3);

    CHECK(cxscore("score").exit_code == 2);  // --responses is required
    CHECK(cxscore("").exit_code == 2);       // no subcommand
    CHECK(cxscore("frobnicate").exit_code == 2);
    CHECK(score_file(responses, "--format xml").exit_code == 2);
    CHECK(score_file(responses, "--bogus").exit_code == 2);
    auto help = cxscore("--help");
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.out, Catch::Contains("Exit codes"));
    CHECK_THAT(help.out, Catch::Contains("3  bad data"));
    CHECK_THAT(cxscore("score --help").out, Catch::Contains("--responses"));
}

TEST_CASE("cxscore: a broken config directory exits 3 naming the file") {
    auto dir = scratch() / "broken-config";
    fs::create_directories(dir);
    for (const char* file : {"questionnaire.json", "management.json"})
        fs::copy_file(fs::path(CX_TEST_CONFIG_DIR) / file, dir / file,
                      fs::copy_options::overwrite_existing);
    write_file("broken-config/policy.json", "{\"version\": 1}");
    auto responses = write_file("good.jsonl", join(good_lines()));
    auto command = std::string("'") + CXSCORE_PATH + "' score --responses '" + responses.string() +
                   "' --config '" + dir.string() + "' >/dev/null 2>&1";
    int status = std::system(command.c_str());
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 3);
}
