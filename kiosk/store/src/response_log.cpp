#include "response_log.hpp"

#include <ctime>

#include "cx/sqlite/transaction.hpp"

namespace cx::kiosk {

ResponseLog::ResponseLog(sqlite::Connection& db, const integrity::SigningKey& key)
    : db_(db),
      key_(key),
      head_(db,
            "SELECT seq, record_hash FROM responses WHERE device = ?1 ORDER BY seq DESC LIMIT 1"),
      newest_key_(
          db, "SELECT json_extract(record, '$.key') FROM responses ORDER BY rowid DESC LIMIT 1"),
      last_complete_(db,
                     "SELECT MAX(submitted_ms) FROM responses "
                     "WHERE device = ?1 AND status = 'complete'"),
      insert_response_(db,
                       "INSERT INTO responses "
                       "(id, device, seq, status, submitted_ms, record, record_hash) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
      insert_answer_(db, "INSERT INTO answers (response_id, item, level) VALUES (?1, ?2, ?3)"),
      counts_(db,
              "SELECT COALESCE(SUM(status = 'complete'), 0), "
              "COALESCE(SUM(status = 'incomplete'), 0), "
              "COALESCE(SUM(upload_state = 'waiting'), 0), "
              "COALESCE(SUM(upload_state = 'sent'), 0), "
              "COALESCE(SUM(upload_state = 'refused'), 0), "
              "COALESCE(SUM(submitted_ms >= ?1), 0), "
              "COALESCE(SUM(submitted_ms >= ?2), 0), "
              "COALESCE(SUM(status = 'complete' AND json_array_length(record, '$.flags') > 0), 0) "
              "FROM responses"),
      page_(db,
            "SELECT rowid, record, upload_state, refusal_code, refusal_detail FROM responses "
            "WHERE rowid > ?1 ORDER BY rowid LIMIT ?2") {}

Status ResponseLog::prepared() const {
    return sqlite::all_prepared({&head_, &newest_key_, &last_complete_, &insert_response_,
                                 &insert_answer_, &counts_, &page_});
}

Status ResponseLog::check_key() {
    auto row = newest_key_.reset().step();
    if (!row) return row.error();
    const std::string sealed_by =
        row.value() && !newest_key_.is_null(0) ? std::string(newest_key_.text(0)) : "";
    newest_key_.reset();
    if (sealed_by.empty() || sealed_by == key_.public_key().hex()) return Ok{};
    return make_error(ErrorKind::Invalid,
                      "the store's records are sealed by the device key " + sealed_by +
                          ", not by the key file's " + key_.public_key().hex() +
                          ": restore the original device.key (a store holds one chain)");
}

Result<ChainHead> ResponseLog::chain_head(const std::string& device) {
    auto row = head_.reset().bind(1, device).step();
    if (!row) return row.error();
    ChainHead head{0, std::string(integrity::kGenesisPrevHash)};
    if (row.value()) head = {head_.integer(0), std::string(head_.text(1))};
    head_.reset();
    return head;
}

Result<std::optional<std::int64_t>> ResponseLog::last_complete_ms(const std::string& device) {
    auto row = last_complete_.reset().bind(1, device).step();
    if (!row) return row.error();
    std::optional<std::int64_t> ms;
    if (!last_complete_.is_null(0)) ms = last_complete_.integer(0);
    last_complete_.reset();
    return ms;
}

Status ResponseLog::insert(const Response& r, std::int64_t submitted_ms, const std::string& record,
                           const std::string& record_hash) {
    auto stored = insert_response_.reset()
                      .bind(1, r.id)
                      .bind(2, r.device)
                      .bind(3, r.seq)
                      .bind(4, to_string(r.status))
                      .bind(5, submitted_ms)
                      .bind(6, record)
                      .bind(7, record_hash)
                      .run();
    if (!stored) return stored;
    for (const auto& answer : r.answers) {
        insert_answer_.reset().bind(1, r.id).bind(2, answer.item);
        if (answer.level == kNotApplicable) {
            insert_answer_.bind(3, std::nullopt);
        } else {
            insert_answer_.bind(3, static_cast<std::int64_t>(answer.level));
        }
        if (auto done = insert_answer_.run(); !done) return done;
    }
    return Ok{};
}

Result<Response> ResponseLog::append(const Submission& submission, const StoreIdentity& identity,
                                     const ScoringPolicy& policy,
                                     std::chrono::system_clock::time_point submitted) {
    auto tx = sqlite::Transaction::begin(db_);
    if (!tx) return tx.error();

    Response r;
    r.id = random_uuid();
    r.device = identity.device;
    r.org = identity.org;
    r.site = identity.site;
    r.questionnaire = identity.questionnaire;
    r.lang = submission.lang;
    r.status = submission.status;
    r.started_at =
        format_utc_timestamp(std::chrono::floor<std::chrono::seconds>(submission.started_wall));
    r.submitted_at = format_utc_timestamp(std::chrono::floor<std::chrono::seconds>(submitted));
    r.duration_ms = submission.duration_ms;
    r.answers = submission.answers;
    auto head = chain_head(r.device);
    if (!head) return head.error();
    r.seq = head.value().seq + 1;

    const std::int64_t submitted_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(submitted.time_since_epoch()).count();
    auto previous = last_complete_ms(r.device);
    if (!previous) return previous.error();
    const FlagInputs inputs{r.status, r.duration_ms, r.answers.size(), submitted_ms,
                            previous.value()};
    r.flags = integrity_flags(inputs, policy.speeder_seconds_per_item, policy.burst_seconds);
    canonicalize(r);
    // Sealed in the transaction that stores it: no record is ever kept unsealed.
    key_.seal(r, head.value().hash);
    if (auto stored = insert(r, submitted_ms, to_canonical_json(r), integrity::record_hash(r));
        !stored)
        return stored.error();
    if (auto committed = tx.value().commit(); !committed) return committed.error();
    return r;
}

DayBounds local_day_bounds(std::chrono::system_clock::time_point now) {
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm day{};
    localtime_r(&t, &day);
    day.tm_hour = day.tm_min = day.tm_sec = 0;
    day.tm_isdst = -1;  // mktime decides, so a DST change in between is handled
    const std::time_t today = std::mktime(&day);
    day.tm_mday -= 6;
    day.tm_isdst = -1;
    const std::time_t week = std::mktime(&day);
    return {static_cast<std::int64_t>(today) * 1000, static_cast<std::int64_t>(week) * 1000};
}

Result<StoreCounts> ResponseLog::counts(const DayBounds& bounds) {
    auto row = counts_.reset().bind(1, bounds.today_start_ms).bind(2, bounds.week_start_ms).step();
    if (!row) return row.error();
    StoreCounts counts;
    counts.complete = counts_.integer(0);
    counts.incomplete = counts_.integer(1);
    counts.unsent = counts_.integer(2);
    counts.sent = counts_.integer(3);
    counts.refused = counts_.integer(4);
    counts.today = counts_.integer(5);
    counts.last_7_days = counts_.integer(6);
    counts.flagged = counts_.integer(7);
    counts_.reset();
    return counts;
}

namespace {
UploadState parse_upload_state(std::string_view text) {
    if (text == "sent") return UploadState::Sent;
    if (text == "refused") return UploadState::Refused;
    return UploadState::Waiting;  // the schema's CHECK allows nothing else
}
}  // namespace

Result<std::vector<LoggedRecord>> ResponseLog::next_records(std::int64_t& cursor,
                                                            std::size_t limit) {
    page_.reset().bind(1, cursor).bind(2, static_cast<std::int64_t>(limit));
    std::vector<LoggedRecord> records;
    for (;;) {
        auto row = page_.step();
        if (!row) return row.error();
        if (!row.value()) return records;
        cursor = page_.integer(0);
        LoggedRecord record{std::string(page_.text(1)), parse_upload_state(page_.text(2)), {}};
        if (!page_.is_null(3))
            record.refusal = std::string(page_.text(3)) + ": " + std::string(page_.text(4));
        records.push_back(std::move(record));
    }
}

}  // namespace cx::kiosk
