// Sealed records in the kiosk store (sync/PROTOCOL.md "Signed records"): every record
// sealed at commit under the data dir's device key, the chain intact across reopening
// and a SIGKILL, the schema 4 migration of older stores, and what tampering with the
// file behind the program's back looks like to the chain audit.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cx/integrity/chain_audit.hpp"
#include "cx/kiosk/export.hpp"
#include "cx/kiosk/recovery.hpp"
#include "cx/kiosk/store_schema.hpp"
#include "cx/sqlite/connection.hpp"
#include "cx/sqlite/migrate.hpp"
#include "cx/sqlite/statement.hpp"
#include "kiosk_test_support.hpp"

using namespace cx;
using namespace cx::kiosk;
using namespace std::chrono_literals;

namespace {

using integrity::SealCheck;
using test::kIdentity;
using test::kNoon;
using test::submission;

Response parse_record(std::string_view line) {
    ResponseParser parser(std::span(&test::shipped_config().questionnaire, 1));
    Response r;
    INFO(line);
    REQUIRE(parser.parse(line, r).ok());
    return r;
}

// The records of the store's JSONL export, as `cxkiosk export` writes them.
std::vector<Response> exported_records(Store& store, const std::filesystem::path& dir) {
    const auto& config = test::shipped_config();
    const auto file = dir / "export.jsonl";
    REQUIRE(export_responses(store, config.questionnaire, config.policy, ExportFormat::Jsonl, file)
                .ok());
    std::vector<Response> records;
    std::istringstream lines(test::slurp(file));
    for (std::string line; std::getline(lines, line);) records.push_back(parse_record(line));
    return records;
}

// The one key chain of kIdentity's device in `records`, as the chain audit reports it.
KeyChain audited_chain(const std::vector<Response>& records) {
    integrity::ChainAudit audit;
    for (const auto& r : records) audit.add(r);
    const auto report = audit.report();
    REQUIRE(report.size() == 1);
    CHECK(report[0].device == kIdentity.device);
    REQUIRE(report[0].keys.size() == 1);
    return report[0].keys[0];
}

void check_all_sealed_by(const std::vector<Response>& records, const integrity::PublicKey& key) {
    for (const auto& r : records) {
        INFO("seq " << r.seq);
        CHECK(integrity::check_seal(r, key) == SealCheck::Valid);
    }
}

Status append_at(Store& store, int minute, ResponseStatus status = ResponseStatus::Complete) {
    auto stored = store.append(submission(status), kIdentity, test::shipped_config().policy,
                               kNoon + minute * 1min);
    if (!stored) return stored.error();
    return Ok{};
}

// Appends one record per status (a minute apart) through the data dir's store, then closes it.
void append_in_data_dir(const std::filesystem::path& dir,
                        std::initializer_list<ResponseStatus> statuses) {
    auto opened = open_data_dir_store(dir);
    REQUIRE(opened.ok());
    int minute = 0;
    for (auto status : statuses) REQUIRE(append_at(*opened.value().store, minute++, status).ok());
}

constexpr auto kComplete = ResponseStatus::Complete;

// Runs sqlite3 on the store file, as someone with the file and no program would.
int sqlite3_shell(const std::filesystem::path& db, const std::string& sql) {
    return std::system(("sqlite3 '" + db.string() + "' \"" + sql + "\" >/dev/null 2>&1").c_str());
}

nlohmann::json seal_vectors() {
    std::ifstream in(CX_SEAL_VECTORS);
    return nlohmann::json::parse(in);
}

// A store at schema 3 (before sealing) holding `lines` (unsigned canonical records of
// one device, seq 1, 2, …); the first `sent` of them acknowledged by the server.
void write_schema_3_store(const std::filesystem::path& db, const std::vector<std::string>& lines,
                          std::size_t sent) {
    auto connection = sqlite::Connection::open(db.string());
    REQUIRE(connection.ok());
    REQUIRE(sqlite::migrate(connection.value(), kiosk_schema_versions().first(3)).ok());
    sqlite::Statement insert(
        connection.value(),
        "INSERT INTO responses (id, device, seq, status, submitted_ms, "
        "record, upload_state, sent_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto r = parse_record(lines[i]);
        const bool was_sent = i < sent;
        insert.reset()
            .bind(1, r.id)
            .bind(2, r.device)
            .bind(3, r.seq)
            .bind(4, to_string(r.status))
            .bind(5, static_cast<std::int64_t>(i))
            .bind(6, lines[i])
            .bind(7, was_sent ? "sent" : "waiting");
        if (was_sent) {
            insert.bind(8, "2026-11-25T12:00:00Z");
        } else {
            insert.bind(8, std::nullopt);
        }
        REQUIRE(insert.run().ok());
    }
}

int user_version(const std::filesystem::path& db) {
    auto connection = sqlite::Connection::open(db.string());
    REQUIRE(connection.ok());
    return connection.value().user_version().value();
}

}  // namespace

TEST_CASE(
    "every record is sealed at commit, abandoned ones too, and the chain holds across "
    "reopening") {
    test::TempDir dir;
    append_in_data_dir(dir.path, {kComplete, ResponseStatus::Incomplete, kComplete});
    struct stat info {};
    REQUIRE(::stat((dir.path / kDeviceKeyFileName).c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    const auto key = test::data_dir_key(dir.path);

    auto reopened = open_data_dir_store(dir.path);
    REQUIRE(reopened.ok());
    auto& store = *reopened.value().store;
    CHECK(store.signing_key().public_key() == key.public_key());
    REQUIRE(append_at(store, 3).ok());
    REQUIRE(append_at(store, 4, ResponseStatus::Incomplete).ok());

    const auto records = exported_records(store, dir.path);
    REQUIRE(records.size() == 5);
    CHECK(records[0].prev_hash == integrity::kGenesisPrevHash);
    check_all_sealed_by(records, key.public_key());
    const auto chain = audited_chain(records);
    CHECK(chain.key == key.public_key().hex());
    CHECK(chain.first_seq == 1);
    CHECK(chain.highest_seq == 5);
    CHECK(chain.records == 5);
    CHECK(chain.intact());
    const auto head = store.chain_head(kIdentity.device);
    REQUIRE(head.ok());
    CHECK(head.value().seq == 5);
    CHECK(head.value().hash == integrity::record_hash(records.back()));
    CHECK(store.chain_head("another-device").value().hash == integrity::kGenesisPrevHash);
}

TEST_CASE("a writer killed with SIGKILL between commits leaves a chain that verifies") {
    test::TempDir dir;
    REQUIRE(open_data_dir_store(dir.path).ok());  // creates the store and the key
    const pid_t writer = ::fork();
    REQUIRE(writer >= 0);
    if (writer == 0) {  // the child appends until it is killed; no Catch2 in here
        auto opened = open_data_dir_store(dir.path);
        if (!opened) ::_exit(1);
        for (int minute = 0;; ++minute)
            if (!append_at(*opened.value().store, minute)) ::_exit(2);
    }
    auto watcher =
        Store::open((dir.path / Store::kFileName).string(), test::data_dir_key(dir.path));
    REQUIRE(watcher);
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (watcher.value()->counts().value().total() < 25 &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    ::kill(writer, SIGKILL);
    int wait_status = 0;
    REQUIRE(::waitpid(writer, &wait_status, 0) == writer);
    REQUIRE(WIFSIGNALED(wait_status));  // it was still writing, not failed
    watcher.value().reset();

    auto reopened = open_data_dir_store(dir.path);
    REQUIRE(reopened.ok());
    auto& store = *reopened.value().store;
    REQUIRE(append_at(store, 100'000).ok());  // the chain goes on from the last commit
    const auto records = exported_records(store, dir.path);
    REQUIRE(records.size() >= 26);
    check_all_sealed_by(records, test::data_dir_key(dir.path).public_key());
    const auto chain = audited_chain(records);
    CHECK(chain.highest_seq == static_cast<std::int64_t>(records.size()));
    CHECK(chain.intact());
}

TEST_CASE(
    "schema 4 seals a schema 3 store with the device key: the vector records give the "
    "vector lines, and those already sent wait again") {
    const auto vectors = seal_vectors();
    REQUIRE(vectors["public_key"] == test::test_key().public_key().hex());
    std::vector<std::string> sealed_lines;
    std::vector<std::string> unsigned_lines;
    for (const auto& vector : vectors["records"]) {
        sealed_lines.push_back(vector["record"]);
        auto r = parse_record(sealed_lines.back());
        r.key.clear();
        r.prev_hash.clear();
        r.sig.clear();
        unsigned_lines.push_back(to_canonical_json(r));
    }
    test::TempDir dir;
    const auto db = dir.path / Store::kFileName;
    write_schema_3_store(db, unsigned_lines, 1);

    auto opened = Store::open(db.string(), test::test_key());
    REQUIRE(opened);
    auto& store = *opened.value();
    CHECK(store.schema_version().value() == 4);
    std::int64_t cursor = 0;
    const auto logged = store.next_records(cursor, 10).value();
    REQUIRE(logged.size() == sealed_lines.size());
    for (std::size_t i = 0; i < logged.size(); ++i) {
        CHECK(logged[i].json == sealed_lines[i]);
        CHECK(logged[i].state == UploadState::Waiting);
    }
    CHECK(store.counts().value().sent == 0);
    const auto log = store.audit_log().value();
    REQUIRE(log.size() == 1);
    CHECK(log[0].event == "records_sealed");
    CHECK(log[0].detail ==
          R"({"key":")" + test::test_key().public_key().hex() + R"(","records":2,"requeued":1})");

    const std::string last_hash = vectors["records"].back()["hash"];
    CHECK(store.chain_head(kIdentity.device).value().hash == last_hash);
    auto next = store.append(submission(), kIdentity, test::shipped_config().policy, kNoon);
    REQUIRE(next.ok());
    CHECK(next.value().seq == 3);
    CHECK(next.value().prev_hash == last_hash);
    CHECK(integrity::check_seal(next.value(), test::test_key().public_key()) == SealCheck::Valid);
    opened.value().reset();

    // The evidence triggers are in force again, over the seal too.
    CHECK(sqlite3_shell(db, "UPDATE responses SET record = record || ' ' WHERE seq = 1") != 0);
    CHECK(sqlite3_shell(db, "UPDATE responses SET record_hash = NULL WHERE seq = 1") != 0);
    CHECK(sqlite3_shell(db, "DELETE FROM responses WHERE seq = 1") != 0);
    CHECK(sqlite3_shell(db, "UPDATE responses SET upload_state = 'sent'") == 0);
}

TEST_CASE("an older store whose device key cannot be loaded is neither opened nor migrated") {
    test::TempDir dir;
    const auto db = dir.path / Store::kFileName;
    write_schema_3_store(db, {}, 0);
    const auto key_file = dir.path / kDeviceKeyFileName;
    REQUIRE(load_device_key(dir.path).ok());
    const auto key_text = test::slurp(key_file);
    REQUIRE(::chmod(key_file.c_str(), 0644) == 0);

    auto opened = open_data_dir_store(dir.path);
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().kind == ErrorKind::Invalid);
    CHECK_THAT(opened.error().message,
               Catch::Contains("device.key") && Catch::Contains("readable by others"));
    CHECK(user_version(db) == 3);
    CHECK(test::slurp(key_file) == key_text);  // never replaced

    { std::ofstream(key_file, std::ios::trunc) << "not a key\n"; }
    REQUIRE(::chmod(key_file.c_str(), 0600) == 0);
    auto malformed = open_data_dir_store(dir.path);
    REQUIRE_FALSE(malformed.ok());
    CHECK_THAT(malformed.error().message, Catch::Contains("malformed"));
    CHECK(user_version(db) == 3);
    for (const auto& entry : std::filesystem::directory_iterator(dir.path))
        CHECK_FALSE(entry.path().filename().string().starts_with("responses.sqlite3.corrupt-"));
}

TEST_CASE("a store sealed by another key than the key file's is refused") {
    test::TempDir dir;
    const auto db = (dir.path / Store::kFileName).string();
    {
        auto opened = Store::open(db, test::test_key());
        REQUIRE(opened);
        REQUIRE(append_at(*opened.value(), 0).ok());
    }
    auto other = Store::open(db, test::data_dir_key(dir.path));
    REQUIRE_FALSE(other);
    CHECK(other.error().kind == ErrorKind::Invalid);
    CHECK_THAT(other.error().message, Catch::Contains(test::test_key().public_key().hex()));
}

TEST_CASE(
    "tampering behind the program's back: a deleted record is a gap, an edited answer "
    "no longer verifies") {
    test::TempDir dir;
    append_in_data_dir(dir.path, {kComplete, kComplete, kComplete, kComplete, kComplete});
    const auto db = dir.path / Store::kFileName;
    // The submission answers 1.1 with 5: record 2 now says 1.
    REQUIRE(
        sqlite3_shell(db,
                      "DROP TRIGGER responses_never_deleted; DROP TRIGGER answers_never_deleted; "
                      "DROP TRIGGER responses_immutable; "
                      "DELETE FROM answers WHERE response_id = "
                      "(SELECT id FROM responses WHERE seq = 4); "
                      "DELETE FROM responses WHERE seq = 4; "
                      "UPDATE responses SET record = replace(record, '\\\"1.1\\\":5', "
                      "'\\\"1.1\\\":1') WHERE seq = 2") == 0);

    auto reopened = open_data_dir_store(dir.path);
    REQUIRE(reopened.ok());
    const auto records = exported_records(*reopened.value().store, dir.path);
    REQUIRE(records.size() == 4);
    const auto key = test::data_dir_key(dir.path).public_key();
    REQUIRE(records[1].seq == 2);
    REQUIRE(records[1].answers[0].level == 1);
    CHECK(integrity::check_seal(records[1], key) == SealCheck::BadSignature);
    for (const auto* untouched : {&records[0], &records[2], &records[3]})
        CHECK(integrity::check_seal(*untouched, key) == SealCheck::Valid);
    const auto chain = audited_chain(records);
    CHECK(chain.gaps == std::vector<SeqRange>{{4, 4}});
    // seq 3 names the hash of the record 2 that was signed, not of the edited one.
    CHECK(chain.broken_links == std::vector<std::int64_t>{3});
    CHECK(chain.forks.empty());
}
