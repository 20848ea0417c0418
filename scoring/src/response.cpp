// Over the ~400-line guide on purpose: the canonical serializer and the validating
// parser are the two halves of one format (PRODUCT.md "Data"), and keeping them
// side by side is how they stay in step.
#include "cx/scoring/response.hpp"

#include <simdjson.h>
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

#include "cx/scoring/canonical_writer.hpp"
#include "cx/scoring/item_lookup.hpp"

namespace cx {

std::string_view to_string(ResponseStatus status) {
    return status == ResponseStatus::Complete ? "complete" : "incomplete";
}

bool is_known_flag(std::string_view flag) {
    return flag == "speeder" || flag == "burst" || flag == "incomplete";
}

void canonicalize(Response& response) {
    std::sort(response.answers.begin(), response.answers.end(),
              [](const Answer& a, const Answer& b) { return item_id_less(a.item, b.item); });
    std::sort(response.flags.begin(), response.flags.end());
    response.flags.erase(std::unique(response.flags.begin(), response.flags.end()),
                         response.flags.end());
}

std::size_t max_canonical_size(const Response& r) {
    constexpr std::size_t kFixed = 320;  // keys, punctuation, lang, status
    std::size_t size = kFixed + 2 * CanonicalWriter::kMaxIntegerSize;
    for (const std::string* text : {&r.id, &r.device, &r.org, &r.site, &r.questionnaire,
                                    &r.started_at, &r.submitted_at, &r.key, &r.prev_hash, &r.sig})
        size += CanonicalWriter::max_string_size(*text);
    for (const auto& answer : r.answers)
        size +=
            CanonicalWriter::max_string_size(answer.item) + 2 + CanonicalWriter::kMaxIntegerSize;
    for (const auto& flag : r.flags) size += CanonicalWriter::max_string_size(flag) + 1;
    return size;
}

void append_canonical_json(std::string& out, const Response& r) {
    // Written into reused worst-case room, then appended at its exact size, so
    // `out` holds no slack (a server batch keeps hundreds of these at once).
    // Room beyond a usual record's is not kept for the thread's lifetime.
    constexpr std::size_t kKeptRoom = 64 * 1024;
    thread_local std::string kept_room;
    std::string one_off_room;
    const std::size_t needed = max_canonical_size(r);
    std::string& room = needed <= kKeptRoom ? kept_room : one_off_room;
    if (room.size() < needed) room.resize(needed);
    CanonicalWriter json(room.data());
    json.text_fields({{"{\"id\":", r.id},
                      {",\"device\":", r.device},
                      {",\"org\":", r.org},
                      {",\"site\":", r.site}});
    json.raw(",\"seq\":");
    json.integer(r.seq);
    json.text_fields({{",\"questionnaire\":", r.questionnaire},
                      {",\"lang\":", to_string(r.lang)},
                      {",\"status\":", to_string(r.status)},
                      {",\"started_at\":", r.started_at},
                      {",\"submitted_at\":", r.submitted_at}});
    json.raw(",\"duration_ms\":");
    json.integer(r.duration_ms);
    json.raw(",\"answers\":{");
    for (std::size_t i = 0; i < r.answers.size(); ++i) {
        if (i) json.raw(',');
        json.string(r.answers[i].item);
        json.raw(':');
        if (r.answers[i].level == kNotApplicable)
            json.raw("null");
        else
            json.integer(r.answers[i].level);
    }
    json.raw("},\"flags\":[");
    for (std::size_t i = 0; i < r.flags.size(); ++i) {
        if (i) json.raw(',');
        json.string(r.flags[i]);
    }
    json.raw(']');
    if (r.is_signed())
        json.text_fields(
            {{",\"key\":", r.key}, {",\"prev_hash\":", r.prev_hash}, {",\"sig\":", r.sig}});
    json.raw('}');
    out.append(room.data(), json.end());
}

void append_json_string(std::string& out, std::string_view text) {
    const std::size_t start = out.size();
    out.resize(start + CanonicalWriter::max_string_size(text));
    CanonicalWriter json(out.data() + start);
    json.string(text);
    out.resize(static_cast<std::size_t>(json.end() - out.data()));
}

std::string to_canonical_json(const Response& response) {
    std::string out;
    append_canonical_json(out, response);
    return out;
}

bool is_canonical_uuid(std::string_view id) {
    // Branch-free per character: this runs once per record of multi-GB files.
    static constexpr auto kLowerHex = [] {
        std::array<bool, 256> table{};
        for (char c = '0'; c <= '9'; ++c) table[static_cast<unsigned char>(c)] = true;
        for (char c = 'a'; c <= 'f'; ++c) table[static_cast<unsigned char>(c)] = true;
        return table;
    }();
    if (id.size() != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-')
        return false;
    bool hex = true;
    for (std::size_t i = 0; i < id.size(); ++i)
        hex &= (i == 8 || i == 13 || i == 18 || i == 23) ||
               kLowerHex[static_cast<unsigned char>(id[i])];
    return hex;
}

bool is_lowercase_hex(std::string_view text, std::size_t length) {
    // Sixteen digits per step and no early exit: every record carries 256 hex digits
    // (key, prev_hash, sig).
    using Bytes = signed char __attribute__((vector_size(16)));  // GCC/Clang, any target
    static constexpr auto kHexDigit = [] {
        std::array<unsigned char, 256> table{};
        for (unsigned char c = '0'; c <= '9'; ++c) table[c] = 1;
        for (unsigned char c = 'a'; c <= 'f'; ++c) table[c] = 1;
        return table;
    }();
    if (text.size() != length) return false;
    std::size_t i = 0;
    Bytes other{};  // all bits of a lane set where a byte was no digit
    for (; i + sizeof(Bytes) <= text.size(); i += sizeof(Bytes)) {
        Bytes bytes;
        std::memcpy(&bytes, text.data() + i, sizeof bytes);
        // Signed bytes: those of 0x80 and up are below '0'.
        other |= ~(((bytes >= '0') & (bytes <= '9')) | ((bytes >= 'a') & (bytes <= 'f')));
    }
    std::uint64_t halves[2];
    std::memcpy(halves, &other, sizeof halves);
    unsigned char all = (halves[0] | halves[1]) == 0;
    for (; i < text.size(); ++i) all &= kHexDigit[static_cast<unsigned char>(text[i])];
    return all != 0;
}

bool is_valid_identifier(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.';
    });
}

std::optional<std::chrono::sys_seconds> parse_utc_timestamp(std::string_view ts) {
    // YYYY-MM-DDTHH:MM:SSZ
    if (ts.size() != 20 || ts[4] != '-' || ts[7] != '-' || ts[10] != 'T' || ts[13] != ':' ||
        ts[16] != ':' || ts[19] != 'Z')
        return std::nullopt;
    // Fixed-width digits only (no sign): this runs twice per record of multi-GB files.
    auto number = [&](std::size_t pos, std::size_t len, int& out) {
        out = 0;
        for (std::size_t i = pos; i < pos + len; ++i) {
            if (ts[i] < '0' || ts[i] > '9') return false;
            out = out * 10 + (ts[i] - '0');
        }
        return true;
    };
    int year, month, day, hour, minute, second;
    if (!number(0, 4, year) || !number(5, 2, month) || !number(8, 2, day) || !number(11, 2, hour) ||
        !number(14, 2, minute) || !number(17, 2, second))
        return std::nullopt;
    std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month(month),
                                     std::chrono::day(day)};
    if (!date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
    return std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
           std::chrono::seconds{second};
}

std::string format_utc_timestamp(std::chrono::sys_seconds time) {
    auto days = std::chrono::floor<std::chrono::days>(time);
    std::chrono::year_month_day date{days};
    std::chrono::hh_mm_ss clock{time - days};
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ",
                  static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
                  static_cast<int>(clock.minutes().count()),
                  static_cast<int>(clock.seconds().count()));
    return text;
}

// ---------------------------------------------------------------------------
// Parser

struct ResponseParser::Impl {
    explicit Impl(std::span<const Questionnaire> questionnaires) : known(questionnaires) {
        for (const auto& q : known) lookups.emplace_back(q);
    }
    std::span<const Questionnaire> known;
    std::vector<ItemLookup> lookups;  // aligned with `known`
    simdjson::dom::parser parser;     // DOM: dispatched at run time to the best SIMD kernel
    std::string padded;               // copy of a line that came without read-ahead room
    std::vector<char> item_seen;      // per item of the record's questionnaire
};

ResponseParser::ResponseParser(std::span<const Questionnaire> known) : impl_(new Impl(known)) {}
ResponseParser::~ResponseParser() {
    delete impl_;
}

namespace {

enum Field : unsigned {
    kId = 1u << 0,
    kDevice = 1u << 1,
    kOrg = 1u << 2,
    kSite = 1u << 3,
    kSeq = 1u << 4,
    kQuestionnaire = 1u << 5,
    kLang = 1u << 6,
    kStatus = 1u << 7,
    kStartedAt = 1u << 8,
    kSubmittedAt = 1u << 9,
    kDurationMs = 1u << 10,
    kAnswers = 1u << 11,
    kFlags = 1u << 12,
    kKey = 1u << 13,
    kPrevHash = 1u << 14,
    kSig = 1u << 15,
};
constexpr unsigned kSealFields = kKey | kPrevHash | kSig;

struct FieldName {
    std::string_view name;
    Field bit;
    std::string Response::*text = nullptr;  // where a string-valued field goes
};
constexpr FieldName kFields[] = {
    {"id", kId, &Response::id},
    {"device", kDevice, &Response::device},
    {"org", kOrg, &Response::org},
    {"site", kSite, &Response::site},
    {"seq", kSeq},
    {"questionnaire", kQuestionnaire, &Response::questionnaire},
    {"lang", kLang},
    {"status", kStatus},
    {"started_at", kStartedAt, &Response::started_at},
    {"submitted_at", kSubmittedAt, &Response::submitted_at},
    {"duration_ms", kDurationMs},
    {"answers", kAnswers},
    {"flags", kFlags},
    {"key", kKey, &Response::key},
    {"prev_hash", kPrevHash, &Response::prev_hash},
    {"sig", kSig, &Response::sig},
};

struct Invalid {
    std::string message;
};

std::string describe(simdjson::error_code code) {
    switch (code) {
        case simdjson::UTF8_ERROR:
            return "invalid UTF-8";
        case simdjson::EMPTY:
            return "empty line (expected a JSON object)";
        default:
            return std::string("malformed JSON (") + simdjson::error_message(code) + ")";
    }
}

std::string_view get_string(simdjson::dom::element value, std::string_view field) {
    std::string_view text;
    if (value.get(text)) throw Invalid{"field \"" + std::string(field) + "\" must be a string"};
    return text;
}

std::int64_t get_integer(simdjson::dom::element value, std::string_view field) {
    std::int64_t number;
    if (value.get(number)) throw Invalid{"field \"" + std::string(field) + "\" must be an integer"};
    return number;
}

void parse_answers(simdjson::dom::element value, std::vector<Answer>& answers) {
    simdjson::dom::object object;
    if (value.get(object)) throw Invalid{"field \"answers\" must be an object"};
    // Reuses the previous record's Answer strings: no allocation per line.
    std::size_t count = 0;
    for (auto [item, level_value] : object) {
        if (count == answers.size()) answers.emplace_back();
        Answer& answer = answers[count++];
        answer.item.assign(item);
        if (level_value.is_null()) {
            answer.level = kNotApplicable;
        } else {
            std::int64_t level = 0;
            if (level_value.get(level) || level < 1 || level > kLevels)
                throw Invalid{"answers.\"" + answer.item +
                              "\": level must be an integer 1–5 or null (" +
                              simdjson::minify(level_value) + ")"};
            answer.level = static_cast<int>(level);
        }
    }
    answers.resize(count);
}

void parse_flags(simdjson::dom::element value, std::vector<std::string>& flags) {
    simdjson::dom::array array;
    if (value.get(array)) throw Invalid{"field \"flags\" must be an array of strings"};
    for (auto element : array) {
        std::string_view flag;
        if (element.get(flag)) throw Invalid{"field \"flags\" must be an array of strings"};
        if (!is_known_flag(flag))
            throw Invalid{"flags: unknown flag \"" + std::string(flag.substr(0, 64)) +
                          "\" (speeder, burst or incomplete)"};
        flags.emplace_back(flag);
    }
}

// Checks the answers against the questionnaire (unknown or repeated items) and
// puts them in canonical order, cheaply when they already are (the usual case).
void check_answers(Response& out, const Questionnaire& questionnaire, const ItemLookup& lookup,
                   std::vector<char>& seen) {
    seen.assign(questionnaire.items.size(), 0);
    bool in_order = true;
    std::size_t previous_rank = 0;
    std::size_t hint = 0;
    for (std::size_t i = 0; i < out.answers.size(); ++i) {
        const auto& answer = out.answers[i];
        auto index = lookup.find(answer.item, hint);
        if (index == ItemLookup::kNotFound)
            throw Invalid{"unknown item \"" + answer.item + "\" for questionnaire \"" +
                          out.questionnaire + "\""};
        if (seen[index]) throw Invalid{"answers: item \"" + answer.item + "\" given twice"};
        seen[index] = 1;
        hint = index + 1;
        auto rank = lookup.canonical_rank(index);
        if (i > 0 && rank < previous_rank) in_order = false;
        previous_rank = rank;
    }
    if (!in_order)
        std::sort(out.answers.begin(), out.answers.end(), [&](const Answer& a, const Answer& b) {
            return lookup.canonical_rank(lookup.find(a.item)) <
                   lookup.canonical_rank(lookup.find(b.item));
        });
    auto& flags = out.flags;
    if (!std::is_sorted(flags.begin(), flags.end()) ||
        std::adjacent_find(flags.begin(), flags.end()) != flags.end()) {
        std::sort(flags.begin(), flags.end());
        flags.erase(std::unique(flags.begin(), flags.end()), flags.end());
    }
}

// The checks of a record's fields once all are read: which are there, their forms,
// their bounds and the answers against the questionnaire.
void validate_record(Response& out, unsigned seen, std::span<const Questionnaire> known,
                     std::span<const ItemLookup> lookups, std::vector<char>& item_seen) {
    for (const auto& field : kFields)
        if (!(seen & field.bit) && !(field.bit & kSealFields))
            throw Invalid{"missing field \"" + std::string(field.name) + "\""};
    if ((seen & kSealFields) != 0 && (seen & kSealFields) != kSealFields)
        throw Invalid{
            "fields \"key\", \"prev_hash\" and \"sig\" go together (a signed record has all "
            "three)"};
    if (seen & kSealFields) {
        if (!is_lowercase_hex(out.key, 64))
            throw Invalid{"field \"key\" must be 64 lowercase hex digits (an Ed25519 public key)"};
        if (!is_lowercase_hex(out.prev_hash, 64))
            throw Invalid{"field \"prev_hash\" must be 64 lowercase hex digits (a SHA-256)"};
        if (!is_lowercase_hex(out.sig, 128))
            throw Invalid{"field \"sig\" must be 128 lowercase hex digits (an Ed25519 signature)"};
    }

    if (!is_canonical_uuid(out.id))
        throw Invalid{"field \"id\" must be a lowercase UUID (got \"" + out.id + "\")"};
    for (auto [name, value] : {std::pair{"device", &out.device}, std::pair{"org", &out.org},
                               std::pair{"site", &out.site}})
        if (!is_valid_identifier(*value))
            throw Invalid{std::string("field \"") + name + "\" must be 1–64 of A–Z a–z 0–9 . _ -"};
    if (out.seq < 1 || out.seq > kMaxSeq)
        throw Invalid{"field \"seq\" must be 1 … 2^53 (" + std::to_string(out.seq) + ")"};
    if (out.duration_ms < 0 || out.duration_ms > kMaxDurationMs)
        throw Invalid{"field \"duration_ms\" must be 0 … 604800000 (7 days) (" +
                      std::to_string(out.duration_ms) + ")"};
    auto started = parse_utc_timestamp(out.started_at);
    if (!started) throw Invalid{"field \"started_at\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ"};
    auto submitted = parse_utc_timestamp(out.submitted_at);
    if (!submitted) throw Invalid{"field \"submitted_at\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ"};
    if (*submitted < *started)
        throw Invalid{"field \"submitted_at\" (" + out.submitted_at +
                      ") must not be before \"started_at\" (" + out.started_at + ")"};

    for (std::size_t q = 0; q < known.size(); ++q)
        if (known[q].id == out.questionnaire)
            return check_answers(out, known[q], lookups[q], item_seen);
    throw Invalid{"unknown questionnaire \"" + out.questionnaire + "\""};
}

std::optional<ResponseStatus> parse_status(std::string_view text) {
    if (text == "complete") return ResponseStatus::Complete;
    if (text == "incomplete") return ResponseStatus::Incomplete;
    return std::nullopt;
}

// A string of the previous record takes the next one's value of the same size (ids,
// times, hex digits, item ids) with a plain copy.
void assign(std::string& to, std::string_view from) {
    if (to.size() == from.size())
        std::memcpy(to.data(), from.data(), from.size());
    else
        to.assign(from);
}

// Reads a line in exactly the form append_canonical_json writes, the form of every
// record the kiosk and the server write: the fields in kFields order, no whitespace,
// strings of ASCII without escapes or control characters, integers without sign or
// leading zero, levels 1–5 or null, known flags. Such a line is valid JSON that
// simdjson reads to the same record, without building its DOM first. Any other line,
// valid JSON or not, is left to simdjson, which also words every error.
class CanonicalLine {
  public:
    explicit CanonicalLine(std::string_view line)
        : at_(line.data()), end_(line.data() + line.size()) {}

    // The record's fields into `out`, their bits into `seen`; false: not canonical.
    bool read(Response& out, unsigned& seen) {
        out.flags.clear();
        out.key.clear();
        out.prev_hash.clear();
        out.sig.clear();
        for (const auto& field : kFields) {
            if (field.bit == kKey && literal('}')) return at_ == end_;  // an unsigned record
            if (!key(field.name, field.bit == kId ? '{' : ',') || !value(field, out)) return false;
            seen |= field.bit;
        }
        return literal('}') && at_ == end_;
    }

  private:
    bool literal(char c) {
        if (at_ == end_ || *at_ != c) return false;
        ++at_;
        return true;
    }

    // `before` (the object's '{' or a ',') and "name":
    bool key(std::string_view name, char before) {
        if (static_cast<std::size_t>(end_ - at_) < name.size() + 4 || at_[0] != before ||
            at_[1] != '"' || at_[2 + name.size()] != '"' || at_[3 + name.size()] != ':')
            return false;
        for (std::size_t i = 0; i < name.size(); ++i)  // a few bytes: no call to memcmp
            if (at_[2 + i] != name[i]) return false;
        at_ += name.size() + 4;
        return true;
    }

    bool value(const FieldName& field, Response& out) {
        std::string_view text;
        switch (field.bit) {
            case kSeq:
                return integer(out.seq);
            case kDurationMs:
                return integer(out.duration_ms);
            case kAnswers:
                return answers(out.answers);
            case kFlags:
                return flags(out.flags);
            case kLang: {
                auto lang = string(text) ? parse_lang(text) : std::nullopt;
                if (lang) out.lang = *lang;
                return lang.has_value();
            }
            case kStatus: {
                auto status = string(text) ? parse_status(text) : std::nullopt;
                if (status) out.status = *status;
                return status.has_value();
            }
            default:
                if (!string(text)) return false;
                assign(out.*field.text, text);
                return true;
        }
    }

    bool string(std::string_view& text) {
        if (!literal('"')) return false;
        // The run may read past the closing quote, but not past the line.
        const auto size = plain_ascii_run(at_, static_cast<std::size_t>(end_ - at_));
        text = {at_, size};
        at_ += size;
        return literal('"');
    }

    // Up to 18 digits: no int64 overflow, and more is out of every field's bounds.
    bool integer(std::int64_t& number) {
        const char* start = at_;
        number = 0;
        for (; at_ < end_ && at_ - start < 18 && *at_ >= '0' && *at_ <= '9'; ++at_)
            number = number * 10 + (*at_ - '0');
        return at_ > start && !(*start == '0' && at_ - start > 1);
    }

    // Reuses the previous record's Answer strings, as parse_answers does.
    bool answers(std::vector<Answer>& answers) {
        if (!literal('{')) return false;
        std::size_t count = 0;
        if (!literal('}')) {
            do {
                std::string_view item;
                if (!string(item) || !literal(':')) return false;
                int level = kNotApplicable;
                if (end_ - at_ >= 4 && std::memcmp(at_, "null", 4) == 0)
                    at_ += 4;
                else if (at_ < end_ && *at_ >= '1' && *at_ <= '0' + kLevels)
                    level = *at_++ - '0';
                else
                    return false;
                if (count == answers.size()) answers.emplace_back();
                assign(answers[count].item, item);
                answers[count++].level = level;
            } while (literal(','));
            if (!literal('}')) return false;
        }
        answers.resize(count);
        return true;
    }

    bool flags(std::vector<std::string>& flags) {
        if (!literal('[')) return false;
        if (literal(']')) return true;
        do {
            std::string_view flag;
            if (!string(flag) || !is_known_flag(flag)) return false;
            flags.emplace_back(flag);
        } while (literal(','));
        return literal(']');
    }

    const char* at_;
    const char* end_;
};

void parse_record(simdjson::dom::element doc, Response& out, std::span<const Questionnaire> known,
                  std::span<const ItemLookup> lookups, std::vector<char>& item_seen) {
    simdjson::dom::object object;
    if (doc.get(object)) throw Invalid{"a record must be a JSON object"};
    out.flags.clear();  // answers are resized by parse_answers, reusing their strings
    out.key.clear();
    out.prev_hash.clear();
    out.sig.clear();
    unsigned seen = 0;
    std::size_t expected = 0;  // canonical records list the fields in kFields order
    for (auto [key, value] : object) {
        const FieldName* name = nullptr;
        if (expected < std::size(kFields) && kFields[expected].name == key) {
            name = &kFields[expected];
        } else {
            for (const auto& candidate : kFields)
                if (candidate.name == key) name = &candidate;
        }
        if (!name) throw Invalid{"unknown field \"" + std::string(key) + "\""};
        expected = static_cast<std::size_t>(name - kFields) + 1;
        if (seen & name->bit) throw Invalid{"field \"" + std::string(key) + "\" given twice"};
        seen |= name->bit;
        switch (name->bit) {
            case kSeq:
                out.seq = get_integer(value, key);
                break;
            case kLang: {
                auto lang = parse_lang(get_string(value, key));
                if (!lang) throw Invalid{"field \"lang\" must be \"zh\" or \"en\""};
                out.lang = *lang;
                break;
            }
            case kStatus: {
                auto status = parse_status(get_string(value, key));
                if (!status)
                    throw Invalid{"field \"status\" must be \"complete\" or \"incomplete\""};
                out.status = *status;
                break;
            }
            case kDurationMs:
                out.duration_ms = get_integer(value, key);
                break;
            case kAnswers:
                parse_answers(value, out.answers);
                break;
            case kFlags:
                parse_flags(value, out.flags);
                break;
            default:
                (out.*name->text).assign(get_string(value, key));
        }
    }
    validate_record(out, seen, known, lookups, item_seen);
}

}  // namespace

Status ResponseParser::parse(std::string_view line, Response& out, std::size_t padding_available) {
    unsigned seen = 0;
    if (CanonicalLine(line).read(out, seen)) {
        try {
            validate_record(out, seen, impl_->known, impl_->lookups, impl_->item_seen);
            return Ok{};
        } catch (const Invalid&) {
            // Read again below, so that the message is the one simdjson's reading gives.
        }
    }
    const char* data = line.data();
    if (padding_available < simdjson::SIMDJSON_PADDING) {
        impl_->padded.assign(line);
        impl_->padded.resize(line.size() + simdjson::SIMDJSON_PADDING, '\0');
        data = impl_->padded.data();
    }
    simdjson::dom::element doc;
    if (auto error = impl_->parser.parse(data, line.size(), /*realloc_if_needed=*/false).get(doc))
        return Error{describe(error)};
    return parse(doc, out);
}

Status ResponseParser::parse(const simdjson::dom::element& record, Response& out) {
    try {
        parse_record(record, out, impl_->known, impl_->lookups, impl_->item_seen);
        return Ok{};
    } catch (const Invalid& invalid) {
        return Error{invalid.message};
    }
}

}  // namespace cx
