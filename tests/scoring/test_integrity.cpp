// Record seals and the chain audit (scoring/integrity), against the published
// test vectors of sync/PROTOCOL.md "Signed records" (sync/seal_vectors.json).
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cx/integrity/chain_audit.hpp"
#include "cx/integrity/seal.hpp"
#include "scoring_fixtures.hpp"

using namespace cx;
using namespace cx::integrity;

namespace {

nlohmann::json seal_vectors() {
    std::ifstream in(CX_SEAL_VECTORS);
    return nlohmann::json::parse(in);
}

std::array<unsigned char, 32> seed_from_hex(const std::string& hex) {
    std::array<unsigned char, 32> seed{};
    for (std::size_t i = 0; i < 32; ++i) seed[i] = std::stoi(hex.substr(2 * i, 2), nullptr, 16);
    return seed;
}

Response parse(const std::string& line) {
    ResponseParser parser(std::span(&testing::shipped().questionnaire, 1));
    Response r;
    auto status = parser.parse(line, r);
    INFO(line);
    REQUIRE(status.ok());
    return r;
}

// A chain of `count` records of one device under `key`, sealed in order.
std::vector<Response> sealed_chain(const SigningKey& key, int count,
                                   const char* device = "kiosk-01") {
    std::vector<Response> chain;
    std::string prev(kGenesisPrevHash);
    for (int seq = 1; seq <= count; ++seq) {
        auto r = testing::respondent({{"1.1", 1 + seq % 5}});
        r.device = device;
        r.seq = seq;
        r.id = "00000000-0000-4000-8000-" + std::string(12 - std::to_string(seq).size(), '0') +
               std::to_string(seq);
        key.seal(r, prev);
        prev = record_hash(r);
        chain.push_back(r);
    }
    return chain;
}

}  // namespace

TEST_CASE("published seal vectors: record → signing bytes → hash → signature") {
    auto vectors = seal_vectors();
    auto key = SigningKey::from_seed(seed_from_hex(vectors["seed"]));
    CHECK(key.public_key().hex() == vectors["public_key"]);
    REQUIRE(vectors["records"].size() >= 2);
    for (const auto& vector : vectors["records"]) {
        auto record = parse(vector["record"]);
        CHECK(signing_bytes(record) == vector["signing_bytes"]);
        CHECK(record_hash(record) == vector["hash"]);
        CHECK(record.sig == vector["record"].get<std::string>().substr(
                                vector["record"].get<std::string>().find("\"sig\":\"") + 7, 128));
        CHECK(check_seal(record, key.public_key()) == SealCheck::Valid);
        // Sealing the unsigned record again gives the same bytes (Ed25519 is deterministic).
        auto resealed = record;
        key.seal(resealed, record.prev_hash);
        CHECK(to_canonical_json(resealed) == vector["record"]);
    }
}

TEST_CASE("signing bytes: sorted keys, answers in byte order, no sig, no whitespace") {
    auto r = testing::respondent({{"1.2", 4}, {"1.10", 5}, {"7", 0}});
    r.flags = {"burst", "speeder"};
    r.key = std::string(64, 'a');
    r.prev_hash = std::string(kGenesisPrevHash);
    r.sig = std::string(128, 'b');
    CHECK(signing_bytes(r) ==
          R"({"answers":{"1.10":5,"1.2":4,"7":null},"device":"kiosk-01","duration_ms":50000,)"
          R"("flags":["burst","speeder"],"id":"00000000-0000-4000-8000-000000000001",)"
          R"("key":")" +
              std::string(64, 'a') + R"(","lang":"zh","org":"demo-org","prev_hash":")" +
              std::string(kGenesisPrevHash) +
              R"(","questionnaire":"tbsc134-b1","seq":1,"site":"hq",)"
              R"("started_at":"2026-11-25T09:59:10Z","status":"complete",)"
              R"("submitted_at":"2026-11-25T10:00:00Z"})");
}

TEST_CASE("a sealed record round-trips through its canonical line") {
    auto key = SigningKey::from_seed({});
    auto r = testing::respondent({{"1.1", 5}});
    key.seal(r, kGenesisPrevHash);
    auto line = to_canonical_json(r);
    CHECK(line.ends_with(R"(,"key":")" + key.public_key().hex() + R"(","prev_hash":")" +
                         std::string(kGenesisPrevHash) + R"(","sig":")" + r.sig + "\"}"));
    CHECK(parse(line) == r);
    // An unsigned record's line is unchanged: no seal fields at all.
    CHECK(to_canonical_json(testing::respondent({{"1.1", 5}})).ends_with(R"("flags":[]})"));
}

TEST_CASE("the record parser checks the seal fields' form") {
    auto key = SigningKey::from_seed({});
    auto r = testing::respondent({{"1.1", 5}});
    key.seal(r, kGenesisPrevHash);
    auto line = to_canonical_json(r);
    ResponseParser parser(std::span(&testing::shipped().questionnaire, 1));
    Response out;
    auto without = [&](const std::string& field) {
        auto text = line;
        auto at = text.find(",\"" + field + "\":");
        auto end = text.find('"', text.find(":\"", at) + 2);
        text.erase(at, end + 1 - at);
        return text;
    };
    auto refused = [&](const std::string& text) {
        auto status = parser.parse(text, out);
        return status.ok() ? std::string() : status.error().message;
    };
    CHECK(refused(without("sig")).find("go together") != std::string::npos);
    CHECK(refused(without("key")).find("go together") != std::string::npos);
    auto upper = line;
    upper.replace(upper.find("\"sig\":\"") + 7, 1, "A");
    CHECK(refused(upper).find("\"sig\" must be 128 lowercase hex") != std::string::npos);
}

TEST_CASE("check_seal tells a bad signature from a wrong key and an unsigned record") {
    auto device = SigningKey::from_seed({});
    std::array<unsigned char, 32> other_seed{};
    other_seed[0] = 1;
    auto other = SigningKey::from_seed(other_seed);
    auto r = testing::respondent({{"1.1", 5}});
    CHECK(check_seal(r, device.public_key()) == SealCheck::Unsigned);
    device.seal(r, kGenesisPrevHash);
    CHECK(check_seal(r, device.public_key()) == SealCheck::Valid);
    CHECK(check_seal(r, other.public_key()) == SealCheck::WrongKey);
    auto edited = r;
    edited.answers[0].level = 1;  // an answer changed after sealing
    CHECK(check_seal(edited, device.public_key()) == SealCheck::BadSignature);
    auto forged = r;
    other.seal(forged, kGenesisPrevHash);
    forged.key = device.public_key().hex();  // claims the device's key, signed by another
    CHECK(check_seal(forged, device.public_key()) == SealCheck::BadSignature);
    CHECK(to_string(SealCheck::WrongKey) == "wrong_key");
    CHECK(to_string(SealCheck::BadSignature) == "bad_signature");
}

TEST_CASE("device key file: created 0600 once, then loaded, unsafe or malformed files refused") {
    auto dir = std::filesystem::path(CX_TEST_SCRATCH_DIR) / "integrity-key";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto file = dir / "device.key";
    auto created = SigningKey::load_or_create(file);
    REQUIRE(created.ok());
    struct stat info {};
    REQUIRE(::stat(file.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    auto loaded = SigningKey::load_or_create(file);
    REQUIRE(loaded.ok());
    CHECK(loaded.value().public_key() == created.value().public_key());

    ::chmod(file.c_str(), 0644);
    auto exposed = SigningKey::load(file);
    REQUIRE_FALSE(exposed.ok());
    CHECK(exposed.error().message.find("mode must be 0600") != std::string::npos);
    ::chmod(file.c_str(), 0600);

    std::ofstream(file, std::ios::trunc) << "not a key\n";
    auto damaged = SigningKey::load_or_create(file);
    REQUIRE_FALSE(damaged.ok());
    CHECK(damaged.error().kind == ErrorKind::Damaged);
    CHECK(std::filesystem::file_size(file) == 10);  // left as it is
    CHECK(SigningKey::load(dir / "missing.key").error().kind == ErrorKind::NotFound);
}

TEST_CASE("chain audit: an intact chain, in any order, added twice") {
    auto key = SigningKey::from_seed({});
    auto chain = sealed_chain(key, 6);
    ChainAudit audit;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) audit.add(*it);
    audit.add(chain[2]);  // a replay counts once
    auto report = audit.report();
    REQUIRE(report.size() == 1);
    CHECK(report[0].device == "kiosk-01");
    REQUIRE(report[0].keys.size() == 1);
    const auto& k = report[0].keys[0];
    CHECK(k.key == key.public_key().hex());
    CHECK(k.first_seq == 1);
    CHECK(k.highest_seq == 6);
    CHECK(k.records == 6);
    CHECK(k.intact());
    CHECK(report[0].intact());
}

TEST_CASE("chain audit: gaps, forks and broken links are named by seq") {
    auto key = SigningKey::from_seed({});
    auto chain = sealed_chain(key, 9);
    ChainAudit audit;
    for (const auto& r : chain)
        if (r.seq != 1 && r.seq != 4 && r.seq != 5) audit.add(r);
    // seq 7 twice: a second record signed with the same seq (a fork).
    auto fork = chain[6];
    fork.id = "00000000-0000-4000-8000-00000000ff07";
    key.seal(fork, fork.prev_hash);
    audit.add(fork);
    // seq 9 re-signed on top of a different seq 8: its link is broken.
    auto relinked = chain[8];
    key.seal(relinked, std::string(64, 'f'));
    ChainAudit relinked_audit;
    for (int i = 0; i < 8; ++i) relinked_audit.add(chain[i]);
    relinked_audit.add(relinked);

    auto k = audit.report()[0].keys[0];
    CHECK(k.gaps == std::vector<SeqRange>{{1, 1}, {4, 5}});
    CHECK(k.forks == std::vector<std::int64_t>{7});
    CHECK(k.broken_links.empty());
    CHECK(k.records == 7);
    auto r = relinked_audit.report()[0].keys[0];
    CHECK(r.broken_links == std::vector<std::int64_t>{9});
    CHECK(r.gaps.empty());
    CHECK_FALSE(r.intact());
}

TEST_CASE("chain audit: a re-installed kiosk's new key is a second chain of the device") {
    auto old_key = SigningKey::from_seed({});
    std::array<unsigned char, 32> new_seed{};
    new_seed[31] = 7;
    auto new_key = SigningKey::from_seed(new_seed);
    ChainAudit audit;
    for (const auto& r : sealed_chain(old_key, 4)) audit.add(r);
    for (const auto& r : sealed_chain(new_key, 2)) audit.add(r);
    for (const auto& r : sealed_chain(new_key, 3, "kiosk-02")) audit.add(r);
    auto report = audit.report();
    REQUIRE(report.size() == 2);
    REQUIRE(report[0].keys.size() == 2);
    CHECK(report[0].keys[0].highest_seq + report[0].keys[1].highest_seq == 6);
    CHECK(report[0].intact());
    CHECK(report[1].device == "kiosk-02");
}

namespace {

// A synthetic digest for seq `seq` of a chain: enough to audit links without signing.
Digest digest_of(std::int64_t seq, unsigned char variant = 0) {
    Digest d{};
    for (std::size_t i = 0; i < 8; ++i) d[i] = static_cast<unsigned char>(seq >> (8 * i));
    d[8] = variant;
    d[31] = 0xff;  // never the genesis value
    return d;
}

}  // namespace

TEST_CASE("chain audit: long chains in runs, split across audits, with a duplicate and a fork") {
    // More records than one run holds, added by two audits (two reader threads) in
    // interleaved blocks, as a long export's are.
    constexpr std::int64_t kRecords = 200000;
    ChainAudit first;
    ChainAudit second;
    for (std::int64_t seq = 1; seq <= kRecords; ++seq) {
        if (seq == 150000) continue;  // missing
        Digest prev = seq == 1 ? Digest{} : digest_of(seq - 1);
        if (seq == 120000) prev = digest_of(7);  // broken link
        ((seq / 5000) % 2 ? second : first).add("kiosk-01", "k", seq, digest_of(seq), prev);
    }
    first.add("kiosk-01", "k", 70000, digest_of(70000), digest_of(69999));      // a duplicate
    second.add("kiosk-01", "k", 90000, digest_of(90000, 1), digest_of(89999));  // a fork
    first.merge(std::move(second));
    auto report = first.report();
    REQUIRE(report.size() == 1);
    REQUIRE(report[0].keys.size() == 1);
    const auto& chain = report[0].keys[0];
    CHECK(chain.first_seq == 1);
    CHECK(chain.highest_seq == kRecords);
    CHECK(chain.records == kRecords);  // one missing, one fork's second record
    CHECK(chain.gaps == std::vector<SeqRange>{{150000, 150000}});
    CHECK(chain.forks == std::vector<std::int64_t>{90000});
    CHECK(chain.broken_links == std::vector<std::int64_t>{120000});
}

TEST_CASE("chain audit: a window of a chain (a period's records) has no gap before its first record") {
    auto key = SigningKey::from_seed({});
    auto chain = sealed_chain(key, 9);
    ChainAudit audit;
    for (const auto& r : chain)
        if (r.seq >= 5 && r.seq != 7) audit.add(r);
    auto whole = audit.report(ChainStart::SeqOne)[0].keys[0];
    CHECK(whole.gaps == std::vector<SeqRange>{{1, 4}, {7, 7}});
    auto window = audit.report(ChainStart::FirstRecord)[0].keys[0];
    CHECK(window.gaps == std::vector<SeqRange>{{7, 7}});
    CHECK(window.first_seq == 5);
    CHECK(window.broken_links.empty());
}
