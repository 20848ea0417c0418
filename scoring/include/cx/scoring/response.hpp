#pragma once
// The canonical response record (PRODUCT.md "Data"). Serialization lives here
// and nowhere else, so that every component writes byte-identical records.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cx/scoring/questionnaire.hpp"
#include "cx/scoring/result.hpp"

namespace simdjson::dom {
class element;
}  // namespace simdjson::dom

namespace cx {

enum class ResponseStatus { Complete, Incomplete };
std::string_view to_string(ResponseStatus status);

inline constexpr int kNotApplicable = 0;  // Answer::level for 不适用 (JSON null)

struct Answer {
    std::string item;            // questionnaire item id
    int level = kNotApplicable;  // 1…5, or kNotApplicable
    bool operator==(const Answer&) const = default;
};

struct Response {
    std::string id;  // lowercase UUID
    std::string device;
    std::string org;
    std::string site;
    std::int64_t seq = 0;  // per device, gap-free from 1
    std::string questionnaire;
    Lang lang = Lang::Zh;
    ResponseStatus status = ResponseStatus::Complete;
    std::string started_at;    // UTC, "YYYY-MM-DDTHH:MM:SSZ"
    std::string submitted_at;  // UTC
    std::int64_t duration_ms = 0;
    std::vector<Answer> answers;     // canonical order: item_id_less
    std::vector<std::string> flags;  // canonical order: sorted, unique
    // The device's seal (sync/PROTOCOL.md "Signed records"): its Ed25519 public key, the
    // SHA-256 of the previous record's signing bytes and the signature, lowercase hex.
    // All three or none: a record without them is unsigned (written before integrity).
    std::string key;        // 64 hex
    std::string prev_hash;  // 64 hex
    std::string sig;        // 128 hex
    bool is_signed() const { return !sig.empty(); }
    bool operator==(const Response&) const = default;
};

// Puts answers and flags in canonical order (call before serializing a record you built).
void canonicalize(Response& response);

// One line of JSON, no trailing newline, fields in the order of PRODUCT.md, then
// key, prev_hash and sig when the record is signed.
void append_canonical_json(std::string& out, const Response& response);
std::string to_canonical_json(const Response& response);
// `text` as a JSON string, quoted and escaped the canonical way.
void append_json_string(std::string& out, std::string_view text);

// Parses and validates one canonical record. Reuses `out`'s storage, so a
// streaming reader allocates nothing per line once warmed up.
class ResponseParser {
  public:
    explicit ResponseParser(std::span<const Questionnaire> known);
    ~ResponseParser();
    ResponseParser(const ResponseParser&) = delete;
    ResponseParser& operator=(const ResponseParser&) = delete;

    // `line` must stay readable for `padding_available` bytes past its end
    // (simdjson reads ahead); pass 0 and the parser copies the line.
    Status parse(std::string_view line, Response& out, std::size_t padding_available = 0);
    // The same checks on a record already parsed as part of a larger document
    // (the server's upload body), without serializing and parsing it again.
    Status parse(const simdjson::dom::element& record, Response& out);

  private:
    struct Impl;
    Impl* impl_;
};

// The documented bounds of a record (PRODUCT.md "Data", sync/PROTOCOL.md):
// seq 1 … 2^53 (exact in every JSON reader), duration_ms 0 … 7 days, flags
// only from the documented set, and submitted_at not before started_at.
inline constexpr std::int64_t kMaxSeq = std::int64_t{1} << 53;
inline constexpr std::int64_t kMaxDurationMs = std::int64_t{7} * 24 * 60 * 60 * 1000;
// "speeder", "burst", "incomplete": the integrity flags a kiosk may set.
bool is_known_flag(std::string_view flag);

// Validators and formats shared with the kiosk and the server.
bool is_canonical_uuid(std::string_view id);    // lowercase 8-4-4-4-12 hex
bool is_valid_identifier(std::string_view id);  // device/org/site: [A-Za-z0-9._-]{1,64}
bool is_lowercase_hex(std::string_view text, std::size_t length);
// "YYYY-MM-DDTHH:MM:SSZ" (UTC, whole seconds); nullopt for anything else.
std::optional<std::chrono::sys_seconds> parse_utc_timestamp(std::string_view ts);
std::string format_utc_timestamp(std::chrono::sys_seconds time);

}  // namespace cx
