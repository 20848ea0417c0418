// Runs the real cxscore binary: usage errors exit 2, every class of bad data
// exits 3 with FILE:LINE: messages and no score on stdout, a good file prints
// the report.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cx/config/config_files.hpp"
#include "cx/integrity/seal.hpp"
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

// ---------------------------------------------------------------------------
// Integrity: `cxscore verify` and the score report's integrity section.

namespace {

using integrity::SigningKey;

// The published vectors' test key (seed 00 01 … 1f).
SigningKey vector_key() {
    std::array<unsigned char, 32> seed{};
    for (unsigned char i = 0; i < 32; ++i) seed[i] = i;
    return SigningKey::from_seed(seed);
}

SigningKey other_key() {
    std::array<unsigned char, 32> seed{};
    seed.fill(0x77);
    return SigningKey::from_seed(seed);
}

// Records 1…count of kiosk-01 (levels 5, 4, 5, 4 …) sealed in a chain under `key`.
std::vector<Response> sealed_chain(const SigningKey& key, int count) {
    std::vector<Response> chain;
    std::string prev(integrity::kGenesisPrevHash);
    for (int seq = 1; seq <= count; ++seq) {
        auto r = record(seq, seq % 2 ? 5 : 4);
        key.seal(r, prev);
        prev = integrity::record_hash(r);
        chain.push_back(r);
    }
    return chain;
}

std::vector<std::string> lines_of(const std::vector<Response>& records) {
    std::vector<std::string> lines;
    for (const auto& r : records) lines.push_back(to_canonical_json(r));
    return lines;
}

fs::path vector_pubkeys() {
    return write_file("pubkeys.json",
                      "{\"kiosk-01\": \"" + vector_key().public_key().hex() + "\"}\n");
}

Run verify_lines(const std::vector<std::string>& lines, const std::string& extra = "") {
    auto responses = write_file("verify.jsonl", join(lines));
    return cxscore("verify --responses '" + responses.string() + "' --pubkeys '" +
                   vector_pubkeys().string() + "' " + extra);
}

// verify's JSON problems as "device key-prefix seq(s) reason line" strings.
std::vector<std::string> problems_of(const Run& run) {
    auto json = nlohmann::json::parse(run.out);
    std::vector<std::string> problems;
    for (const auto& p : json["problems"]) {
        auto first = p["first_seq"].get<std::int64_t>();
        auto last = p["last_seq"].get<std::int64_t>();
        problems.push_back(
            p["device"].get<std::string>() + " " + p["key"].get<std::string>().substr(0, 8) + " " +
            std::to_string(first) + (last == first ? "" : "-" + std::to_string(last)) + " " +
            p["reason"].get<std::string>() +
            (p["line"].is_null() ? "" : " @" + std::to_string(p["line"].get<int>())));
    }
    return problems;
}

const std::string kVectorKeyPrefix = "03a107bf";

}  // namespace

TEST_CASE("cxscore verify: the published vectors verify under the vector key, exit 0") {
    std::ifstream in(CX_SEAL_VECTORS);
    auto vectors = nlohmann::json::parse(in);
    std::vector<std::string> lines;
    for (const auto& vector : vectors["records"]) lines.push_back(vector["record"]);
    auto run = verify_lines(lines);
    CHECK(run.exit_code == 0);
    CHECK(run.err.empty());
    CHECK_THAT(run.out, Catch::StartsWith("cxscore verify: 2 records, 完整 intact"));
    CHECK_THAT(run.out, Catch::Contains("kiosk-01  key 03a107bf…  seq 1–2, 2 records: ok"));

    // A device re-installed with a new key lists both; the vectors still verify.
    auto responses = write_file("vectors.jsonl", join(lines));
    auto both =
        write_file("both.json", "{\"kiosk-01\": [\"" + other_key().public_key().hex() + "\", \"" +
                                    vectors["public_key"].get<std::string>() + "\"]}");
    auto json = cxscore("verify --format json --responses '" + responses.string() +
                        "' --pubkeys '" + both.string() + "'");
    CHECK(json.exit_code == 0);
    auto report = nlohmann::json::parse(json.out);
    CHECK(report["intact"] == true);
    CHECK(report["records"] == 2);
    CHECK(report["problems"].empty());
    CHECK(report["integrity"]["signatures_checked"] == true);
    CHECK(report["integrity"]["devices"][0]["keys"][0]["highest_seq"] == 2);
}

TEST_CASE("cxscore verify: names each bad or missing seq and exits 4") {
    const auto key = vector_key();
    auto lines = lines_of(sealed_chain(key, 8));

    SECTION("a removed line is a missing seq") {
        auto removed = lines;
        removed.erase(removed.begin() + 2);  // seq 3
        auto run = verify_lines(removed);
        CHECK(run.exit_code == 4);
        CHECK_THAT(run.out, Catch::Contains("不完整 NOT intact: 1 problem\n"));
        CHECK_THAT(run.out, Catch::Contains("kiosk-01  key 03a107bf…  seq 3  missing"));
        auto json = verify_lines(removed, "--format json");
        CHECK(json.exit_code == 4);
        CHECK(problems_of(json) ==
              std::vector<std::string>{"kiosk-01 " + kVectorKeyPrefix + " 3 missing"});
        // Three lines in a row removed are named as one range.
        auto three = lines;
        three.erase(three.begin() + 3, three.begin() + 6);  // seqs 4–6
        CHECK(problems_of(verify_lines(three, "--format json")) ==
              std::vector<std::string>{"kiosk-01 " + kVectorKeyPrefix + " 4-6 missing"});
    }
    SECTION("an edited answer is a bad signature, at its line, and not also missing") {
        auto edited = lines;
        edited[1] = replaced(edited[1], R"("1.1":4)", R"("1.1":1)");  // seq 2
        auto run = verify_lines(edited, "--format json");
        CHECK(run.exit_code == 4);
        CHECK(problems_of(run) ==
              std::vector<std::string>{"kiosk-01 " + kVectorKeyPrefix + " 2 bad_signature @2"});
        CHECK(nlohmann::json::parse(run.out)["integrity"]["excluded"]["bad_signature"] == 1);
        CHECK_THAT(verify_lines(edited).out,
                   Catch::Contains("kiosk-01  key 03a107bf…  seq 2  bad_signature  (line 2)"));
    }
    SECTION("a record under another key is wrong_key; the device's own record is missing") {
        auto records = sealed_chain(key, 8);
        auto invented = records[3];  // seq 4
        other_key().seal(invented, invented.prev_hash);
        auto swapped = lines;
        swapped[3] = to_canonical_json(invented);
        auto run = verify_lines(swapped, "--format json");
        CHECK(run.exit_code == 4);
        auto other_prefix = other_key().public_key().hex().substr(0, 8);
        CHECK(problems_of(run) ==
              std::vector<std::string>{"kiosk-01 " + kVectorKeyPrefix + " 4 missing",
                                       "kiosk-01 " + other_prefix + " 4 wrong_key @4"});
    }
    SECTION("a duplicate line is not a fork") {
        auto doubled = lines;
        doubled.insert(doubled.begin() + 5, lines[1]);
        auto run = verify_lines(doubled);
        CHECK(run.exit_code == 0);
        CHECK_THAT(run.out, Catch::Contains("9 records, 完整 intact"));
    }
    SECTION("two different records with one seq are a fork") {
        auto records = sealed_chain(key, 8);
        auto twin = record(3, 1);
        twin.id = "00000000-0000-4000-8000-000000000099";
        key.seal(twin, integrity::record_hash(records[1]));
        auto forked = lines;
        forked.push_back(to_canonical_json(twin));
        auto run = verify_lines(forked, "--format json");
        CHECK(run.exit_code == 4);
        CHECK(problems_of(run) ==
              std::vector<std::string>{"kiosk-01 " + kVectorKeyPrefix + " 3 fork"});
    }
    SECTION("a record re-sealed after its predecessor was replaced breaks the link") {
        auto records = sealed_chain(key, 8);
        auto replacement = record(5, 1);
        key.seal(replacement, records[3].prev_hash);  // a prev_hash that is not seq 4's hash
        auto relinked = lines;
        relinked[4] = to_canonical_json(replacement);
        auto run = verify_lines(relinked, "--format json");
        CHECK(run.exit_code == 4);
        // Seq 6 still names the original seq 5, so that link breaks too.
        CHECK(problems_of(run) ==
              std::vector<std::string>{"kiosk-01 " + kVectorKeyPrefix + " 5 broken_link",
                                       "kiosk-01 " + kVectorKeyPrefix + " 6 broken_link"});
    }
    SECTION("unsigned records and devices without a listed key are named") {
        auto mixed = lines;
        mixed.push_back(to_canonical_json(record(9, 5)));  // unsigned
        auto stranger = record(1, 5);
        stranger.device = "kiosk-07";
        key.seal(stranger, integrity::kGenesisPrevHash);
        mixed.push_back(to_canonical_json(stranger));
        auto run = verify_lines(mixed, "--format json");
        CHECK(run.exit_code == 4);
        CHECK(problems_of(run) ==
              std::vector<std::string>{"kiosk-01  9 unsigned @9",
                                       "kiosk-07 " + kVectorKeyPrefix + " 1 unknown_device @10"});
    }
}

TEST_CASE("cxscore verify: a malformed pubkeys file exits 3 with its line, usage exits 2") {
    auto responses = write_file("verify.jsonl", join(lines_of(sealed_chain(vector_key(), 2))));
    auto with_keys = [&](const std::string& name, const std::string& text) {
        auto keys = write_file(name, text);
        auto run = cxscore("verify --responses '" + responses.string() + "' --pubkeys '" +
                           keys.string() + "'");
        CHECK(run.exit_code == 3);
        CHECK(run.out.empty());
        return std::pair(keys.string(), run.err);
    };
    auto [short_key, short_err] =
        with_keys("short.json", "{\n  \"kiosk-01\": \"" + vector_key().public_key().hex() +
                                    "\",\n  \"kiosk-02\": \"abc123\"\n}\n");
    CHECK_THAT(short_err, Catch::StartsWith(short_key + ":3: device \"kiosk-02\""));
    CHECK_THAT(short_err, Catch::Contains("64 lowercase hex"));
    auto [broken, broken_err] = with_keys("broken.json", "{\n  \"kiosk-01\": \n}\n");
    CHECK_THAT(broken_err, Catch::StartsWith(broken + ":3: invalid JSON"));
    auto [twice, twice_err] = with_keys(
        "twice.json", "{\"kiosk-01\": \"" + vector_key().public_key().hex() +
                          "\",\n\"kiosk-01\": \"" + other_key().public_key().hex() + "\"}");
    CHECK_THAT(twice_err, Catch::StartsWith(twice + ":2: device \"kiosk-01\" listed twice"));
    auto [list, list_err] = with_keys("list.json", "[\"kiosk-01\"]");
    CHECK_THAT(list_err, Catch::StartsWith(list + ":1: a pubkeys file is a JSON object"));
    auto [empty, empty_err] = with_keys("empty.json", "{\"kiosk-01\": []}");
    CHECK_THAT(empty_err, Catch::Contains("no key listed"));

    CHECK(cxscore("verify --responses '" + responses.string() + "'").exit_code == 2);
    auto help = cxscore("verify --help");
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.out, Catch::Contains("--pubkeys"));
    CHECK_THAT(help.out, Catch::Contains("4  cxscore verify: the data is not intact"));
}

TEST_CASE("cxscore score: the integrity section, and a grade with a warning when not intact") {
    const auto key = vector_key();
    auto assessed = write_file("assessment.json", assessment(4));
    auto score_lines = [&](const std::vector<std::string>& lines, const std::string& extra) {
        auto responses = write_file("sealed.jsonl", join(lines));
        return score_file(responses, "--assessment '" + assessed.string() + "' " + extra);
    };

    SECTION("unsealed records without keys: no section, the report as before") {
        auto run = score_lines(good_lines(), "");
        REQUIRE(run.exit_code == 0);
        auto json = nlohmann::json::parse(run.out);
        CHECK_FALSE(json.contains("integrity"));
        CHECK_FALSE(json.contains("grade_warning"));
        CHECK_THAT(score_lines(good_lines(), "--format text").out,
                   !Catch::Contains("完整性 Integrity"));
    }
    SECTION("an intact sealed chain without keys: chains checked, signatures not") {
        auto run = score_lines(lines_of(sealed_chain(key, 4)), "");
        REQUIRE(run.exit_code == 0);
        auto json = nlohmann::json::parse(run.out);
        CHECK(json["service_score"] == 90.0);
        CHECK(json["integrity"]["intact"] == true);
        CHECK(json["integrity"]["signatures_checked"] == false);
        CHECK(json["integrity"]["devices"][0]["keys"][0]["records"] == 4);
        CHECK_FALSE(json.contains("grade_warning"));
        auto text = score_lines(lines_of(sealed_chain(key, 4)), "--format text").out;
        CHECK_THAT(text, Catch::Contains("完整性 Integrity: 完整 intact"));
        CHECK_THAT(text, Catch::Contains("未核对 not checked (no --pubkeys)"));
        CHECK_THAT(text, !Catch::Contains("⚠"));
    }
    SECTION("an edited record is left out with --pubkeys; the grade comes with a warning") {
        auto lines = lines_of(sealed_chain(key, 5));
        lines[1] = replaced(lines[1], R"("1.1":4)", R"("1.1":5)");  // seq 2
        lines.erase(lines.begin() + 3);                             // seq 4
        auto run = score_lines(lines, "--pubkeys '" + vector_pubkeys().string() + "'");
        REQUIRE(run.exit_code == 0);
        auto json = nlohmann::json::parse(run.out);
        CHECK(json["respondents"] == 3);  // seqs 1, 3 and 5
        CHECK(json["grade"].is_string());
        CHECK(json["integrity"]["intact"] == false);
        CHECK(json["integrity"]["signatures_checked"] == true);
        CHECK(json["integrity"]["excluded"] == nlohmann::json{{"bad_signature", 1}});
        CHECK(json["integrity"]["devices"][0]["keys"][0]["gaps"] ==
              nlohmann::json::parse(R"([{"first": 2, "last": 2}, {"first": 4, "last": 4}])"));
        CHECK(json["grade_warning"] ==
              "integrity broken: missing seqs 2, records left out 1 (bad_signature 1); the score "
              "and grade rest on evidence that is not intact");
        // The existing fields keep their order; integrity and the warning come last.
        std::vector<std::string> fields;
        auto ordered = nlohmann::ordered_json::parse(run.out);
        for (const auto& [field, value] : ordered.items()) fields.push_back(field);
        REQUIRE(fields.size() >= 3);
        CHECK(fields[fields.size() - 3] == "policy");
        CHECK(fields[fields.size() - 2] == "integrity");
        CHECK(fields.back() == "grade_warning");

        auto text =
            score_lines(lines, "--pubkeys '" + vector_pubkeys().string() + "' --format text").out;
        CHECK_THAT(text, Catch::Contains("认证级别 Grade: "));
        CHECK_THAT(text, Catch::Contains("完整性 Integrity: 不完整 NOT intact"));
        CHECK_THAT(text, Catch::Contains("seq 1–5, 3 records: 缺号 missing 2; 缺号 missing 4"));
        CHECK_THAT(text, Catch::Contains("因完整性排除 Left out for integrity: bad_signature 1"));
        CHECK_THAT(text, Catch::Contains("⚠ 警告 Warning: integrity broken: missing seqs 2"));
    }
    SECTION("a malformed pubkeys file exits 3 with its line") {
        auto keys = write_file("bad-keys.json", "{\n\"kiosk-01\": 42}");
        auto run = score_lines(good_lines(), "--pubkeys '" + keys.string() + "'");
        CHECK(run.exit_code == 3);
        CHECK(run.out.empty());
        CHECK_THAT(run.err,
                   Catch::StartsWith(keys.string() + ":2: device \"kiosk-01\": 42 is not a key"));
    }
}
