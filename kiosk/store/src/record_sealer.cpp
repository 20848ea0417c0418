#include "record_sealer.hpp"

#include <nlohmann/json.hpp>

#include "audit_log.hpp"
#include "cx/sqlite/statement.hpp"

namespace cx::kiosk {

namespace {

// The store's own unsigned canonical line back as a Response: the store wrote it, so
// no questionnaire is needed to read it; to_canonical_json of the result must give the
// line again, byte for byte, or the record is not sealed (the seal would cover
// something other than what the store kept).
Result<Response> read_stored_line(std::string_view line) {
    auto fail = [&](const std::string& why) {
        return make_error(ErrorKind::Damaged,
                          "stored record " + std::string(line.substr(0, 80)) + ": " + why);
    };
    const auto json = nlohmann::json::parse(line, nullptr, false);
    if (!json.is_object()) return fail("not a JSON object");
    Response r;
    try {
        r.id = json.at("id").get<std::string>();
        r.device = json.at("device").get<std::string>();
        r.org = json.at("org").get<std::string>();
        r.site = json.at("site").get<std::string>();
        r.seq = json.at("seq").get<std::int64_t>();
        r.questionnaire = json.at("questionnaire").get<std::string>();
        const auto lang = parse_lang(json.at("lang").get<std::string>());
        if (!lang) return fail("unknown lang");
        r.lang = *lang;
        r.status = json.at("status").get<std::string>() == "incomplete" ? ResponseStatus::Incomplete
                                                                        : ResponseStatus::Complete;
        r.started_at = json.at("started_at").get<std::string>();
        r.submitted_at = json.at("submitted_at").get<std::string>();
        r.duration_ms = json.at("duration_ms").get<std::int64_t>();
        for (const auto& [item, level] : json.at("answers").items())
            r.answers.push_back({item, level.is_null() ? kNotApplicable : level.get<int>()});
        r.flags = json.at("flags").get<std::vector<std::string>>();
    } catch (const nlohmann::json::exception& e) {
        return fail(e.what());
    }
    canonicalize(r);
    if (to_canonical_json(r) != line) return fail("does not read back as its canonical line");
    return r;
}

constexpr std::string_view kImmutableTrigger = R"sql(
CREATE TRIGGER responses_immutable
BEFORE UPDATE OF id, device, seq, status, submitted_ms, record, record_hash ON responses
BEGIN SELECT RAISE(ABORT, 'responses are immutable'); END;
)sql";

}  // namespace

Status seal_unsigned_records(sqlite::Connection& db, const integrity::SigningKey& key) {
    sqlite::Statement unsealed(db,
                               "SELECT rowid, device, record, upload_state = 'sent' FROM responses "
                               "WHERE record_hash IS NULL ORDER BY device, seq");
    sqlite::Statement seal(db,
                           "UPDATE responses SET record = ?2, record_hash = ?3, "
                           "upload_state = iif(upload_state = 'sent', 'waiting', upload_state), "
                           "sent_at = NULL WHERE rowid = ?1");
    AuditLog audit(db);
    if (auto ready = sqlite::all_prepared({&unsealed, &seal}); !ready) return ready;
    if (auto ready = audit.prepared(); !ready) return ready;

    std::int64_t records = 0;
    std::int64_t requeued = 0;
    std::string device;
    std::string prev_hash;
    for (;;) {
        auto row = unsealed.step();
        if (!row) return row.error();
        if (!row.value()) break;
        if (records == 0 || unsealed.text(1) != device) {
            device = std::string(unsealed.text(1));
            prev_hash = std::string(integrity::kGenesisPrevHash);
        }
        auto record = read_stored_line(unsealed.text(2));
        if (!record) return record.error();
        key.seal(record.value(), prev_hash);
        prev_hash = integrity::record_hash(record.value());
        // The seal changes only record and record_hash, not the (device, seq) index this
        // scan walks, so updating the rows as they are read is safe.
        auto sealed = seal.reset()
                          .bind(1, unsealed.integer(0))
                          .bind(2, to_canonical_json(record.value()))
                          .bind(3, prev_hash)
                          .run();
        if (!sealed) return sealed;
        ++records;
        requeued += unsealed.integer(3);
    }
    if (auto trigger = db.exec(kImmutableTrigger); !trigger) return trigger;
    if (records == 0) return Ok{};
    const nlohmann::json detail{
        {"records", records}, {"requeued", requeued}, {"key", key.public_key().hex()}};
    return audit.append("records_sealed", detail.dump());
}

}  // namespace cx::kiosk
