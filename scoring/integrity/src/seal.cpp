#include "cx/integrity/seal.hpp"

#include <sodium.h>

#include <algorithm>
#include <charconv>

namespace cx::integrity {

namespace {

void append_key(std::string& out, std::string_view key) {
    out.push_back('"');
    out += key;
    out += "\":";
}

void append_string_field(std::string& out, std::string_view key, std::string_view value) {
    append_key(out, key);
    append_json_string(out, value);
    out.push_back(',');
}

void append_integer_field(std::string& out, std::string_view key, std::int64_t value) {
    append_key(out, key);
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, end);
    out.push_back(',');
}

void append_answers(std::string& out, const std::vector<Answer>& answers) {
    // Byte order of the item ids ("1.10" before "1.2"), not the questionnaire's order.
    std::vector<const Answer*> sorted;
    sorted.reserve(answers.size());
    for (const auto& answer : answers) sorted.push_back(&answer);
    std::sort(sorted.begin(), sorted.end(),
              [](const Answer* a, const Answer* b) { return a->item < b->item; });
    append_key(out, "answers");
    out.push_back('{');
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        if (i) out.push_back(',');
        append_json_string(out, sorted[i]->item);
        out.push_back(':');
        if (sorted[i]->level == kNotApplicable)
            out += "null";
        else
            out.push_back(static_cast<char>('0' + sorted[i]->level));
    }
    out += "},";
}

void append_flags(std::string& out, const std::vector<std::string>& flags) {
    // Records keep their flags sorted and unique (canonicalize, the parser).
    append_key(out, "flags");
    out.push_back('[');
    for (std::size_t i = 0; i < flags.size(); ++i) {
        if (i) out.push_back(',');
        append_json_string(out, flags[i]);
    }
    out += "],";
}

}  // namespace

void append_signing_bytes(std::string& out, const Response& r) {
    out.push_back('{');
    append_answers(out, r.answers);
    append_string_field(out, "device", r.device);
    append_integer_field(out, "duration_ms", r.duration_ms);
    append_flags(out, r.flags);
    append_string_field(out, "id", r.id);
    append_string_field(out, "key", r.key);
    append_string_field(out, "lang", to_string(r.lang));
    append_string_field(out, "org", r.org);
    append_string_field(out, "prev_hash", r.prev_hash);
    append_string_field(out, "questionnaire", r.questionnaire);
    append_integer_field(out, "seq", r.seq);
    append_string_field(out, "site", r.site);
    append_string_field(out, "started_at", r.started_at);
    append_string_field(out, "status", to_string(r.status));
    append_string_field(out, "submitted_at", r.submitted_at);
    out.back() = '}';
}

std::string signing_bytes(const Response& record) {
    std::string out;
    append_signing_bytes(out, record);
    return out;
}

Digest record_digest(const Response& record) {
    thread_local std::string bytes;
    bytes.clear();
    append_signing_bytes(bytes, record);
    Digest digest;
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                       bytes.size());
    return digest;
}

std::string record_hash(const Response& record) {
    return to_hex(record_digest(record));
}

std::string to_hex(const unsigned char* bytes, std::size_t size) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(size * 2, '0');
    for (std::size_t i = 0; i < size; ++i) {
        out[2 * i] = kDigits[bytes[i] >> 4];
        out[2 * i + 1] = kDigits[bytes[i] & 0xf];
    }
    return out;
}

Result<PublicKey> PublicKey::from_hex(std::string_view hex) {
    if (!is_lowercase_hex(hex, 64))
        return make_error(ErrorKind::Invalid,
                          "a public key is 64 lowercase hex digits (`cxkiosk pubkey` prints it)");
    PublicKey key;
    sodium_hex2bin(key.bytes_.data(), key.bytes_.size(), hex.data(), hex.size(), nullptr, nullptr,
                   nullptr);
    key.hex_ = std::string(hex);
    return key;
}

std::string_view to_string(SealCheck check) {
    switch (check) {
        case SealCheck::Valid:
            return "valid";
        case SealCheck::Unsigned:
            return "unsigned";
        case SealCheck::WrongKey:
            return "wrong_key";
        case SealCheck::BadSignature:
            break;
    }
    return "bad_signature";
}

SealCheck check_own_seal(const Response& record) {
    if (!record.is_signed()) return SealCheck::Unsigned;
    unsigned char key[32];
    unsigned char sig[64];
    if (!is_lowercase_hex(record.key, 64) || !is_lowercase_hex(record.sig, 128))
        return SealCheck::BadSignature;
    sodium_hex2bin(key, sizeof key, record.key.data(), record.key.size(), nullptr, nullptr,
                   nullptr);
    sodium_hex2bin(sig, sizeof sig, record.sig.data(), record.sig.size(), nullptr, nullptr,
                   nullptr);
    thread_local std::string bytes;
    bytes.clear();
    append_signing_bytes(bytes, record);
    int verified = crypto_sign_verify_detached(
        sig, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), key);
    return verified == 0 ? SealCheck::Valid : SealCheck::BadSignature;
}

SealCheck check_seal(const Response& record, const PublicKey& expected) {
    if (!record.is_signed()) return SealCheck::Unsigned;
    if (record.key != expected.hex()) return SealCheck::WrongKey;
    return check_own_seal(record);
}

}  // namespace cx::integrity
