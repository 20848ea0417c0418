// The streaming reader at its edges: tiny chunks so lines straddle every
// boundary, a line longer than the buffer, errors numbered across chunks and
// threads, and the same summary as adding the records one by one.
#include <catch2/catch.hpp>

#include <array>
#include <filesystem>
#include <fstream>

#include "cx/integrity/seal.hpp"
#include "cx/scoring/jsonl_scoring.hpp"
#include "scoring_fixtures.hpp"

using namespace cx;
using namespace cx::testing;

namespace {

std::filesystem::path write_lines(const std::string& name, const std::vector<std::string>& lines) {
    auto path = scratch_dir() / name;
    std::ofstream out(path, std::ios::binary);
    for (const auto& line : lines) out << line << '\n';
    return path;
}

std::vector<Response> varied_responses() {
    std::vector<Response> responses;
    for (int n = 0; n < 300; ++n) {
        auto r = all_items(1 + n % 5, {{"7", n % 7 == 0 ? kNotApplicable : 1 + n % 3}});
        r.seq = n + 1;
        if (n % 11 == 0) r.flags = {"burst"};
        responses.push_back(r);
    }
    return responses;
}

}  // namespace

TEST_CASE("streamed in tiny chunks on two threads, the summary equals adding one by one") {
    auto responses = varied_responses();
    std::vector<std::string> lines;
    ScoreAccumulator direct(shipped().questionnaire, shipped().policy);
    for (const auto& r : responses) {
        lines.push_back(to_canonical_json(r));
        direct.add(r);
    }
    // A record longer than a 1 KiB chunk: the same record with whitespace the JSON allows.
    lines[150].insert(1, std::string(3000, ' '));
    auto path = write_lines("varied.jsonl", lines);
    for (bool parallel : {true, false}) {
        INFO("parallel " << parallel);
        ScoreAccumulator streamed(shipped().questionnaire, shipped().policy);
        integrity::RecordIntegrity unchecked;
        auto scan = score_jsonl_file(path, shipped().questionnaire, shipped().policy, streamed,
                                     unchecked, {50, 1024, parallel});
        REQUIRE(scan.ok());
        CHECK(scan.value().lines == 300);
        CHECK(scan.value().error_count == 0);
        auto expected = direct.summarize();
        auto got = streamed.summarize();
        CHECK(*got.service_score == *expected.service_score);
        CHECK(got.respondents == expected.respondents);
        CHECK(got.excluded == expected.excluded);
        for (std::size_t i = 0; i < got.items.size(); ++i)
            CHECK(got.items[i].counts == expected.items[i].counts);
    }
}

TEST_CASE("errors keep their file line numbers across chunks and threads") {
    auto responses = varied_responses();
    std::vector<std::string> lines;
    for (const auto& r : responses) lines.push_back(to_canonical_json(r));
    for (int bad : {0, 7, 151, 298}) lines[static_cast<std::size_t>(bad)] = "{oops";
    auto path = write_lines("errors.jsonl", lines);
    ScoreAccumulator accumulator(shipped().questionnaire, shipped().policy);
    integrity::RecordIntegrity unchecked;
    auto scan = score_jsonl_file(path, shipped().questionnaire, shipped().policy, accumulator,
                                 unchecked, {3, 1024, true});
    REQUIRE(scan.ok());
    CHECK(scan.value().error_count == 4);
    REQUIRE(scan.value().errors.size() == 3);  // listing capped at 3
    CHECK(scan.value().errors[0].line == 1);
    CHECK(scan.value().errors[1].line == 8);
    CHECK(scan.value().errors[2].line == 152);
    CHECK(accumulator.respondents() == 0);  // nothing merged from a file with errors
}

TEST_CASE("a file that cannot be opened is an error for the whole file") {
    ScoreAccumulator accumulator(shipped().questionnaire, shipped().policy);
    integrity::RecordIntegrity unchecked;
    auto scan = score_jsonl_file("/nonexistent/responses.jsonl", shipped().questionnaire,
                                 shipped().policy, accumulator, unchecked);
    REQUIRE_FALSE(scan.ok());
    CHECK_THAT(scan.error().message, Catch::Contains("cannot open"));
}

TEST_CASE("a reused parser shrinks and reorders answers from one line to the next") {
    ResponseParser parser({&shipped().questionnaire, 1});
    Response out;
    REQUIRE(parser.parse(to_canonical_json(all_items(4)), out).ok());
    CHECK(out.answers.size() == 19);
    auto two = respondent({{"7", 5}, {"1.1", 3}});
    auto line = to_canonical_json(two);
    auto shuffled = line;  // answers out of canonical order: 7 before 1.1
    shuffled.replace(shuffled.find(R"("1.1":3,"7":5)"), 13, R"("7":5,"1.1":3)");
    REQUIRE(parser.parse(shuffled, out).ok());
    CHECK(out == two);
    CHECK(to_canonical_json(out) == line);
}

namespace {

// varied_responses() on two devices, each device's records sealed in a chain under its key.
std::vector<Response> sealed_responses(const integrity::SigningKey& first,
                                       const integrity::SigningKey& second) {
    auto responses = varied_responses();
    std::string prev[2] = {std::string(integrity::kGenesisPrevHash),
                           std::string(integrity::kGenesisPrevHash)};
    for (std::size_t n = 0; n < responses.size(); ++n) {
        auto& r = responses[n];
        std::size_t device = n % 2;
        r.device = device ? "kiosk-02" : "kiosk-01";
        r.seq = static_cast<std::int64_t>(n / 2 + 1);
        (device ? second : first).seal(r, prev[device]);
        prev[device] = integrity::record_hash(r);
    }
    return responses;
}

integrity::SigningKey key_with_seed(unsigned char fill) {
    std::array<unsigned char, 32> seed{};
    seed.fill(fill);
    return integrity::SigningKey::from_seed(seed);
}

}  // namespace

TEST_CASE("integrity across chunks and threads: chains merge whole, problems keep their lines") {
    auto first = key_with_seed(1);
    auto second = key_with_seed(2);
    auto responses = sealed_responses(first, second);
    std::vector<std::string> lines;
    for (const auto& r : responses) lines.push_back(to_canonical_json(r));
    // Line 101 (kiosk-01 seq 51) is edited after sealing.
    lines[100].replace(lines[100].find("\"duration_ms\":"), 14, "\"duration_ms\":1");
    auto path = write_lines("sealed.jsonl", lines);
    ScoreAccumulator without_edited(shipped().questionnaire, shipped().policy);
    for (std::size_t n = 0; n < responses.size(); ++n)
        if (n != 100) without_edited.add(responses[n]);

    integrity::DeviceKeys keys;
    keys.add("kiosk-01", first.public_key());
    keys.add("kiosk-02", second.public_key());
    for (bool parallel : {true, false}) {
        INFO("parallel " << parallel);
        ScoreAccumulator accumulator(shipped().questionnaire, shipped().policy);
        integrity::RecordIntegrity checked(&keys);
        auto scan = score_jsonl_file(path, shipped().questionnaire, shipped().policy, accumulator,
                                     checked, {50, 1024, parallel});
        REQUIRE(scan.ok());
        REQUIRE(scan.value().error_count == 0);
        auto summary = checked.summary();
        CHECK(summary.signatures_checked);
        CHECK(summary.excluded == std::map<std::string, std::int64_t>{{"bad_signature", 1}});
        REQUIRE(summary.devices.size() == 2);
        CHECK(summary.devices[0].keys[0].records == 149);
        CHECK(summary.devices[0].keys[0].gaps == std::vector<SeqRange>{{51, 51}});
        CHECK(summary.devices[1].intact());
        CHECK(summary.devices[1].keys[0].records == 150);
        CHECK(checked.problems(summary) ==
              std::vector<IntegrityProblem>{
                  {"kiosk-01", first.public_key().hex(), {51, 51}, "bad_signature", 101}});
        CHECK(accumulator.respondents() == without_edited.respondents());
    }

    SECTION("under a key the file was not sealed with, each device is one run of wrong_key") {
        integrity::DeviceKeys wrong;
        wrong.add("kiosk-01", second.public_key());
        wrong.add("kiosk-02", first.public_key());
        integrity::RecordIntegrity checked(&wrong);
        auto scan = audit_jsonl_file(path, shipped().questionnaire, checked, {50, 1024, true});
        REQUIRE(scan.ok());
        auto summary = checked.summary();
        CHECK(summary.devices.empty());  // no record's seal is accepted: no chain to audit
        CHECK(summary.excluded.at("wrong_key") == 300);
        CHECK(checked.problems(summary) ==
              std::vector<IntegrityProblem>{
                  {"kiosk-01", first.public_key().hex(), {1, 150}, "wrong_key", 1},
                  {"kiosk-02", second.public_key().hex(), {1, 150}, "wrong_key", 2}});
    }
}
