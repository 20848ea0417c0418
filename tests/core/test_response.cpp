// The canonical record: serialization is deterministic and round-trips, and
// the parser refuses every kind of bad record with a message naming the field.
#include <simdjson.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <limits>

#include "cx/config/config_files.hpp"
#include "cx/scoring/response.hpp"

using namespace cx;

namespace {

const Questionnaire& questionnaire() {
    static const Questionnaire q = load_scoring_config(CX_TEST_CONFIG_DIR).value().questionnaire;
    return q;
}

Response sample() {
    Response r;
    r.id = "6f1c2b9e-3a4d-4e5f-8a9b-0c1d2e3f4a5b";
    r.device = "kiosk-01";
    r.org = "demo-org";
    r.site = "hq";
    r.seq = 42;
    r.questionnaire = "tbsc134-b1";
    r.lang = Lang::Zh;
    r.status = ResponseStatus::Complete;
    r.started_at = "2026-11-25T09:59:10Z";
    r.submitted_at = "2026-11-25T10:00:00Z";
    r.duration_ms = 50000;
    r.answers = {{"7", kNotApplicable}, {"1.2", 4}, {"1.1", 5}};
    r.flags = {};
    canonicalize(r);
    return r;
}

Status parse(std::string_view line, Response& out) {
    ResponseParser parser({&questionnaire(), 1});
    return parser.parse(line, out);
}

std::string with(std::string line, const std::string& from, const std::string& to) {
    auto at = line.find(from);
    REQUIRE(at != std::string::npos);
    return line.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("canonical JSON matches PRODUCT.md's field order and item order") {
    CHECK(to_canonical_json(sample()) ==
          R"({"id":"6f1c2b9e-3a4d-4e5f-8a9b-0c1d2e3f4a5b","device":"kiosk-01","org":"demo-org",)"
          R"("site":"hq","seq":42,"questionnaire":"tbsc134-b1","lang":"zh","status":"complete",)"
          R"("started_at":"2026-11-25T09:59:10Z","submitted_at":"2026-11-25T10:00:00Z",)"
          R"("duration_ms":50000,"answers":{"1.1":5,"1.2":4,"7":null},"flags":[]})");
}

TEST_CASE("parse(serialize(r)) == r, and re-serializing is byte-identical") {
    auto original = sample();
    original.flags = {"speeder", "burst"};
    canonicalize(original);
    auto line = to_canonical_json(original);
    Response parsed;
    REQUIRE(parse(line, parsed).ok());
    CHECK(parsed == original);
    CHECK(to_canonical_json(parsed) == line);
}

TEST_CASE("fields in any order and with whitespace parse to the canonical record") {
    const char* shuffled =
        R"( { "flags": [], "answers": {"7": null, "1.1": 5, "1.2": 4}, "duration_ms": 50000,)"
        R"( "submitted_at": "2026-11-25T10:00:00Z", "started_at": "2026-11-25T09:59:10Z",)"
        R"( "status": "complete", "lang": "zh", "questionnaire": "tbsc134-b1", "seq": 42,)"
        R"( "site": "hq", "org": "demo-org", "device": "kiosk-01",)"
        R"( "id": "6f1c2b9e-3a4d-4e5f-8a9b-0c1d2e3f4a5b" } )";
    Response parsed;
    REQUIRE(parse(shuffled, parsed).ok());
    CHECK(parsed == sample());
}

TEST_CASE("a parser reused across lines resets answers and flags") {
    ResponseParser parser({&questionnaire(), 1});
    auto flagged = sample();
    flagged.flags = {"burst"};
    Response out;
    REQUIRE(parser.parse(to_canonical_json(flagged), out).ok());
    REQUIRE(parser.parse(to_canonical_json(sample()), out).ok());
    CHECK(out == sample());
}

TEST_CASE("a line read directly as canonical gives what simdjson's reading of it gives") {
    // The parser reads a canonical line itself and leaves every other line to simdjson's
    // DOM: for lines near canonical (each byte of one deleted or replaced), both readings
    // agree, on the record or on the error's message.
    auto sealed = sample();
    sealed.flags = {"burst", "speeder"};
    sealed.key = std::string(64, 'a');
    sealed.prev_hash = std::string(64, '0');
    sealed.sig = std::string(128, 'f');
    std::vector<std::string> lines;
    for (const auto& record : {sample(), sealed}) {
        const auto line = to_canonical_json(record);
        lines.push_back(line);
        for (std::size_t at = 0; at < line.size(); ++at) {
            lines.push_back(std::string(line).erase(at, 1));
            for (char c : std::string_view("\"\\ 0159-a}],n\x01\xc3\x7f"))
                if (line[at] != c) lines.push_back(std::string(line).replace(at, 1, 1, c));
        }
    }
    ResponseParser parser({&questionnaire(), 1});
    simdjson::dom::parser dom;
    std::size_t accepted = 0;
    for (const auto& line : lines) {
        CAPTURE(line);
        Response direct;
        auto read = parser.parse(line, direct);
        simdjson::dom::element document;
        if (dom.parse(line).get(document)) {
            CHECK_FALSE(read.ok());  // simdjson's own error, worded by describe()
            continue;
        }
        Response through_dom;
        auto expected = parser.parse(document, through_dom);
        REQUIRE(read.ok() == expected.ok());
        if (read.ok()) {
            ++accepted;
            CHECK(direct == through_dom);
        } else {
            CHECK(read.error().message == expected.error().message);
        }
    }
    CHECK(accepted > 2);  // the two canonical lines, and some harmless replacements
}

TEST_CASE("the canonical writer fits records made only of escapes, and appends after the text") {
    auto r = sample();
    std::string every_escape;  // each expands to its longest form: \u00XX or a two-character escape
    std::string escaped;
    for (int c = 0; c < 0x20; ++c) every_escape.push_back(static_cast<char>(c));
    every_escape += "\"\\";
    for (int c = 0; c < 0x20; ++c) {
        const char* named[] = {"\\n", "\\r", "\\t"};
        const int with_name[] = {'\n', '\r', '\t'};
        auto found = std::find(std::begin(with_name), std::end(with_name), c);
        char code[8];
        std::snprintf(code, sizeof code, "\\u%04x", c);
        escaped += found != std::end(with_name) ? named[found - std::begin(with_name)] : code;
    }
    escaped += "\\\"\\\\";
    r.flags = {every_escape + every_escape};
    r.questionnaire = every_escape;
    r.seq = std::numeric_limits<std::int64_t>::min();
    r.duration_ms = std::numeric_limits<std::int64_t>::max();
    std::string out = "earlier text\n";
    append_canonical_json(out, r);
    CHECK(out == "earlier text\n" + to_canonical_json(r));
    CHECK_THAT(out, Catch::Contains("\"questionnaire\":\"" + escaped + "\""));
    CHECK_THAT(out, Catch::Contains("\"flags\":[\"" + escaped + escaped + "\"]}"));
    CHECK_THAT(out, Catch::Contains("\"seq\":-9223372036854775808,"));
    CHECK_THAT(out, Catch::Contains("\"duration_ms\":9223372036854775807,"));
}

TEST_CASE("strings with quotes, backslashes and control characters are escaped") {
    auto r = sample();
    r.flags = {"a\"b\\c\x01"};
    auto line = to_canonical_json(r);
    CHECK_THAT(line, Catch::Contains(R"("a\"b\\c\u0001")"));
    // The escapes are read back: the parser names the flag as written, and refuses it.
    Response parsed;
    auto status = parse(line, parsed);
    REQUIRE_FALSE(status.ok());
    CHECK_THAT(status.error().message, Catch::Contains("unknown flag \"a\"b\\c\x01\""));
}

TEST_CASE("a character to escape is escaped wherever it stands in a long string") {
    // Long strings are checked sixteen bytes at a time: every position of the steps and
    // of the overlapping last one, against a byte-at-a-time reference.
    auto reference = [](std::string_view text) {
        std::string json = "\"";
        for (unsigned char c : text) {
            char escaped[8];
            if (c == '"' || c == '\\')
                json += {'\\', static_cast<char>(c)};
            else if (c == '\n')
                json += "\\n";
            else if (c == '\r')
                json += "\\r";
            else if (c == '\t')
                json += "\\t";
            else if (c < 0x20)
                json.append(escaped, std::snprintf(escaped, sizeof escaped, "\\u%04x", c));
            else
                json += static_cast<char>(c);
        }
        return json + "\"";
    };
    for (std::size_t size : {15, 16, 17, 31, 32, 40}) {
        for (std::size_t at = 0; at < size; ++at) {
            for (char c : std::string_view("\"\\\n\x01\x1f\xc3")) {
                std::string text(size, 'x');
                text[at] = c;
                auto r = sample();
                r.site = text;
                CAPTURE(size, at, static_cast<int>(c));
                CHECK_THAT(to_canonical_json(r),
                           Catch::Contains(",\"site\":" + reference(text) + ","));
            }
        }
    }
}

TEST_CASE("hex digits: a byte that is no lowercase digit is found wherever it stands") {
    const std::string digits = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    CHECK(is_lowercase_hex(digits, 64));
    CHECK_FALSE(is_lowercase_hex(digits, 63));
    for (std::size_t at = 0; at < digits.size(); ++at) {
        for (char c : std::string_view("/:@AFg`G \xff\x80")) {
            auto text = digits;
            text[at] = c;
            CAPTURE(at, static_cast<int>(c));
            CHECK_FALSE(is_lowercase_hex(text, 64));
        }
    }
}

TEST_CASE("records within sane bounds: the edges of each range are accepted") {
    Response out;
    auto r = sample();
    r.flags = {"burst", "incomplete", "speeder"};
    r.seq = kMaxSeq;
    r.duration_ms = kMaxDurationMs;
    CHECK(parse(to_canonical_json(r), out).ok());
    r.seq = 1;
    r.duration_ms = 0;
    r.started_at = r.submitted_at;  // a response can take under a second
    CHECK(parse(to_canonical_json(r), out).ok());
}

TEST_CASE("bad records are refused with the reason") {
    const auto good = to_canonical_json(sample());
    struct Case {
        std::string line;
        std::string message;
    };
    const std::vector<Case> cases{
        {"{not json", "malformed JSON"},
        {"", "empty"},
        {"[1,2]", "JSON object"},
        {good + "x", "malformed JSON"},
        {with(good, R"("1.1":5)", R"("1.1":6)"), "level must be an integer 1–5 or null (6)"},
        {with(good, R"("1.1":5)", R"("1.1":0)"), "level must be an integer 1–5 or null"},
        {with(good, R"("1.1":5)", R"("1.1":4.5)"), "level must be an integer 1–5 or null"},
        {with(good, R"("1.1":5)", R"("1.1":"5")"), "level must be an integer 1–5 or null"},
        {with(good, R"("1.1":5)", R"("9.9":5)"), "unknown item \"9.9\""},
        {with(good, R"("1.1":5)", R"("1.2":5)"), "\"1.2\" given twice"},
        {with(good, R"("seq":42,)", ""), "missing field \"seq\""},
        {with(good, R"("seq":42)", R"("seq":"42")"), "\"seq\" must be an integer"},
        {with(good, R"("seq":42)", R"("seq":0)"), "\"seq\" must be 1 … 2^53 (0)"},
        {with(good, R"("seq":42)", R"("seq":9007199254740993)"), "\"seq\" must be 1 … 2^53"},
        {with(good, R"("duration_ms":50000)", R"("duration_ms":604800001)"),
         "\"duration_ms\" must be 0 … 604800000 (7 days)"},
        {with(good, "2026-11-25T09:59:10Z", "2026-11-25T10:00:01Z"),
         "must not be before \"started_at\""},
        {with(good, R"("flags":[])", R"("flags":["vip"])"), "unknown flag \"vip\""},
        {with(good, R"("flags":[])", R"("flags":[""])"), "unknown flag"},
        {with(good, "6f1c2b9e", "6F1C2B9E"), "lowercase UUID"},
        {with(good, "6f1c2b9e-", "6f1c2b9e"), "lowercase UUID"},
        {with(good, "2026-11-25T10:00:00Z", "2026-11-25 10:00:00"), "\"submitted_at\""},
        {with(good, "2026-11-25T09:59:10Z", "2026-02-30T09:59:10Z"), "\"started_at\""},
        {with(good, R"("lang":"zh")", R"("lang":"fr")"), "\"lang\""},
        {with(good, R"("status":"complete")", R"("status":"done")"), "\"status\""},
        {with(good, R"("tbsc134-b1")", R"("other-q")"), "unknown questionnaire"},
        {with(good, R"("device":"kiosk-01")", R"("device":"kiosk 01")"), "\"device\""},
        {with(good, R"("flags":[])", R"("flags":[],"extra":1)"), "unknown field \"extra\""},
        {with(good, R"("org":"demo-org",)", R"("org":"demo-org","org":"x",)"),
         "\"org\" given twice"},
        {with(good, R"("duration_ms":50000)", R"("duration_ms":-1)"), "\"duration_ms\""},
        {with(good, R"("flags":[])", R"("flags":[1])"), "\"flags\""},
        {with(good, "demo-org", "demo-\xff\xfe"), "invalid UTF-8"},
    };
    for (const auto& c : cases) {
        INFO(c.line);
        Response out;
        auto status = parse(c.line, out);
        REQUIRE_FALSE(status.ok());
        CHECK_THAT(status.error().message, Catch::Contains(c.message));
    }
}

TEST_CASE("UTC timestamps parse and format symmetrically") {
    auto t = parse_utc_timestamp("2026-11-25T09:59:10Z");
    REQUIRE(t);
    CHECK(format_utc_timestamp(*t) == "2026-11-25T09:59:10Z");
    CHECK((*parse_utc_timestamp("2026-11-25T10:00:00Z") - *t).count() == 50);
    CHECK_FALSE(parse_utc_timestamp("2026-11-25T24:00:00Z"));
    CHECK_FALSE(parse_utc_timestamp("2026-11-25T09:59:10+08:00"));
}
