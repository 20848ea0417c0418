// Exact score and chain-audit states as bytes (the server's day states): the report
// over merged states is the report over all their records, byte for byte; a state
// of another config is refused, a damaged one merges nothing.
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>

#include "cx/integrity/chain_audit_state.hpp"
#include "cx/integrity/seal.hpp"
#include "cx/scoring/accumulator_state.hpp"
#include "cx/scoring/report.hpp"
#include "scoring_fixtures.hpp"

using namespace cx;
using namespace cx::integrity;

namespace {

const Questionnaire& questionnaire() {
    return testing::shipped().questionnaire;
}
const ScoringPolicy& policy() {
    return testing::shipped().policy;
}

// Varied responses: levels, N/A, incomplete, flagged, nothing answered.
std::vector<Response> varied_responses() {
    std::vector<Response> responses;
    for (int i = 0; i < 60; ++i) {
        auto r = testing::all_items(1 + i % 5, {{"1.1", (i * 7) % 6}, {"7", i % 4 ? 5 : 0}});
        if (i % 13 == 0) r.answers.resize(static_cast<std::size_t>(i % 7));
        if (i % 9 == 0) r.status = ResponseStatus::Incomplete;
        if (i % 11 == 0) r.flags = {"speeder"};
        if (i % 17 == 0) r.flags = {"burst", "speeder"};
        canonicalize(r);
        responses.push_back(r);
    }
    responses.push_back(testing::respondent({{"1.1", 0}, {"2.1", 0}}));  // no answered item
    return responses;
}

std::string report_json(const ScoreAccumulator& scores, const ChainAudit& chains,
                        ChainStart start) {
    auto report =
        make_report(scores, questionnaire(), policy(), testing::shipped().management, std::nullopt);
    report.integrity = IntegritySummary{true, chains.report(start), {}};
    return render_report_json(report);
}

std::string accumulator_bytes(const ScoreAccumulator& accumulator, std::uint64_t fingerprint) {
    std::string bytes;
    ByteWriter out(bytes);
    write_accumulator_state(accumulator, fingerprint, out);
    return bytes;
}

std::string audit_bytes(const ChainAudit& audit) {
    std::string bytes;
    ByteWriter out(bytes);
    write_chain_audit_state(audit, out);
    return bytes;
}

Digest digest_of(std::int64_t seq, unsigned char variant = 0) {
    Digest digest{};
    for (std::size_t i = 0; i < 8; ++i)
        digest[i] = static_cast<unsigned char>(static_cast<std::uint64_t>(seq) >> (8 * i));
    digest[31] = variant;
    return digest;
}

}  // namespace

TEST_CASE(
    "byte codec: varints and zigzag round-trip at their edges, and overlong input is refused") {
    const std::vector<std::uint64_t> unsigned_values{
        0, 1, 127, 128, 300, 1ull << 35, std::numeric_limits<std::uint64_t>::max()};
    const std::vector<std::int64_t> signed_values{0,
                                                  -1,
                                                  1,
                                                  -64,
                                                  64,
                                                  std::numeric_limits<std::int64_t>::min(),
                                                  std::numeric_limits<std::int64_t>::max()};
    std::string bytes;
    ByteWriter out(bytes);
    for (auto value : unsigned_values) out.varint(value);
    for (auto value : signed_values) out.signed_varint(value);
    out.text("kiosk-01");
    ByteReader in(bytes);
    for (auto expected : unsigned_values) {
        std::uint64_t value = 0;
        REQUIRE(in.varint(value));
        CHECK(value == expected);
    }
    for (auto expected : signed_values) {
        std::int64_t value = 0;
        REQUIRE(in.signed_varint(value));
        CHECK(value == expected);
    }
    std::string text;
    REQUIRE(in.text(text));
    CHECK(text == "kiosk-01");
    CHECK(in.at_end());

    // A reader looks at bytes it does not own: each input outlives its reader.
    std::uint64_t value = 0;
    const std::string eleven_bytes = std::string(10, '\xff') + '\x01';
    CHECK_FALSE(ByteReader(eleven_bytes).varint(value));
    const std::string too_wide = std::string(9, '\xff') + '\x02';  // a 65th bit
    CHECK_FALSE(ByteReader(too_wide).varint(value));
    const std::string long_text =
        "\x05"  // says 5 bytes, holds 3
        "abc";
    CHECK_FALSE(ByteReader(long_text).text(text));
}

TEST_CASE("score state: merging the parts' states gives the report of all the records") {
    const auto fingerprint = accumulator_fingerprint(questionnaire(), policy());
    const auto responses = varied_responses();
    ScoreAccumulator whole(questionnaire(), policy());
    std::vector<ScoreAccumulator> parts(3, ScoreAccumulator(questionnaire(), policy()));
    for (std::size_t i = 0; i < responses.size(); ++i) {
        whole.add(responses[i]);
        parts[i % 3 == 2 ? 2 : i % 2].add(responses[i]);
    }
    ScoreAccumulator merged(questionnaire(), policy());
    for (const auto& part : parts) {
        auto bytes = accumulator_bytes(part, fingerprint);
        ByteReader in(bytes);
        auto fit = merge_accumulator_state(in, fingerprint, merged);
        REQUIRE(fit);
        CHECK(fit.value() == StateFit::Merged);
        CHECK(in.at_end());
    }
    ChainAudit no_chains;
    CHECK(report_json(merged, no_chains, ChainStart::SeqOne) ==
          report_json(whole, no_chains, ChainStart::SeqOne));
    CHECK(merged.responses() == static_cast<std::int64_t>(responses.size()));
    CHECK(merged.respondents() == whole.respondents());
}

TEST_CASE(
    "score state: another questionnaire or policy is refused, a damaged state merges nothing") {
    const auto fingerprint = accumulator_fingerprint(questionnaire(), policy());
    auto other_policy = policy();
    other_policy.alpha_milli[0] = 100;
    auto with_incomplete = policy();
    with_incomplete.include_incomplete = true;
    auto reweighted = questionnaire();
    reweighted.items[0].weight += 1;
    for (auto other : {accumulator_fingerprint(questionnaire(), other_policy),
                       accumulator_fingerprint(questionnaire(), with_incomplete),
                       accumulator_fingerprint(reweighted, policy())})
        CHECK(other != fingerprint);

    ScoreAccumulator part(questionnaire(), policy());
    for (const auto& r : varied_responses()) part.add(r);
    auto bytes = accumulator_bytes(part, fingerprint);
    ScoreAccumulator target(questionnaire(), policy());
    target.add(testing::all_items(4));
    ChainAudit no_chains;
    const auto before = report_json(target, no_chains, ChainStart::SeqOne);

    ByteReader in(bytes);
    auto fit = merge_accumulator_state(in, fingerprint + 1, target);
    REQUIRE(fit);
    CHECK(fit.value() == StateFit::OtherConfig);
    for (std::size_t size = 0; size < bytes.size(); ++size) {
        ByteReader truncated(std::string_view(bytes).substr(0, size));
        auto damaged = merge_accumulator_state(truncated, fingerprint, target);
        INFO("first " << size << " bytes");
        if (size >= 9) {  // format and fingerprint read: the buckets are cut short
            REQUIRE_FALSE(damaged);
            CHECK(damaged.error().kind == ErrorKind::Damaged);
        }
    }
    CHECK(report_json(target, no_chains, ChainStart::SeqOne) == before);
}

TEST_CASE("chain audit state: merged states audit as all the records do") {
    auto key = SigningKey::from_seed({});
    // Two devices; chains split over three "days", one with a gap, a duplicate, a fork,
    // a broken link, a late record and a second key.
    std::vector<ChainAudit> days(3);
    ChainAudit whole;
    auto add = [&](std::size_t day, const char* device, const char* chain_key, std::int64_t seq,
                   Digest hash, Digest prev) {
        days[day].add(device, chain_key, seq, hash, prev);
        whole.add(device, chain_key, seq, hash, prev);
    };
    for (std::int64_t seq = 1; seq <= 300; ++seq) {
        if (seq == 150) continue;  // missing
        Digest prev = seq == 1 ? Digest{} : digest_of(seq - 1);
        if (seq == 220) prev = digest_of(3);  // broken link
        add(static_cast<std::size_t>((seq - 1) / 100), "kiosk-01", "k1", seq, digest_of(seq), prev);
    }
    add(2, "kiosk-01", "k1", 40, digest_of(40), digest_of(39));        // late, a duplicate
    add(1, "kiosk-01", "k1", 120, digest_of(120, 1), digest_of(119));  // a fork
    for (std::int64_t seq = 5; seq <= 60; ++seq)
        add(static_cast<std::size_t>(seq % 3), "kiosk-02", seq < 30 ? "k2" : "k3",
            seq < 30 ? seq : seq - 29, digest_of(seq), digest_of(seq - 1));

    ChainAudit merged;
    for (const auto& day : days) {
        auto bytes = audit_bytes(day);
        ByteReader in(bytes);
        REQUIRE(merge_chain_audit_state(in, merged));
        CHECK(in.at_end());
    }
    ScoreAccumulator no_scores(questionnaire(), policy());
    for (auto start : {ChainStart::SeqOne, ChainStart::FirstRecord})
        CHECK(report_json(no_scores, merged, start) == report_json(no_scores, whole, start));

    // A record added after the round trip continues the chain as it would have.
    auto bytes = audit_bytes(whole);
    ChainAudit reread;
    ByteReader in(bytes);
    REQUIRE(merge_chain_audit_state(in, reread));
    reread.add("kiosk-01", "k1", 301, digest_of(301), digest_of(300));
    whole.add("kiosk-01", "k1", 301, digest_of(301), digest_of(300));
    CHECK(report_json(no_scores, reread, ChainStart::SeqOne) ==
          report_json(no_scores, whole, ChainStart::SeqOne));
}

TEST_CASE("chain audit state: a damaged state merges nothing") {
    ChainAudit audit;
    for (std::int64_t seq = 1; seq <= 20; ++seq)
        audit.add("kiosk-01", "k", seq, digest_of(seq), seq == 1 ? Digest{} : digest_of(seq - 1));
    auto bytes = audit_bytes(audit);
    for (std::size_t size = 0; size < bytes.size(); ++size) {
        ChainAudit target;
        ByteReader truncated(std::string_view(bytes).substr(0, size));
        auto merged = merge_chain_audit_state(truncated, target);
        INFO("first " << size << " bytes");
        REQUIRE_FALSE(merged);
        CHECK(merged.error().kind == ErrorKind::Damaged);
        CHECK(target.report().empty());
    }
}
