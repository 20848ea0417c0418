#include "cx/integrity/seal.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <stdexcept>

#include "cx/scoring/canonical_writer.hpp"

namespace cx::integrity {

namespace {

// Byte order of the item ids ("1.10" before "1.2"), not the questionnaire's order.
// A loop, not std::string's compare: item ids are a few bytes, and memcmp is a call.
bool bytes_less(std::string_view a, std::string_view b) {
    const std::size_t common = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < common; ++i)
        if (a[i] != b[i])
            return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
    return a.size() < b.size();
}

void write_answers(CanonicalWriter& json, const std::vector<Answer>& answers) {
    auto write = [&json](std::size_t i, const Answer& answer) {
        if (i) json.raw(',');
        json.string(answer.item);
        json.raw(':');
        if (answer.level == kNotApplicable)
            json.raw("null");
        else
            json.raw(static_cast<char>('0' + answer.level));
    };
    // A questionnaire whose canonical order is byte order (ids below 10 in each part)
    // needs no sort.
    bool in_byte_order = true;
    for (std::size_t i = 1; i < answers.size() && in_byte_order; ++i)
        in_byte_order = bytes_less(answers[i - 1].item, answers[i].item);
    if (in_byte_order) {
        for (std::size_t i = 0; i < answers.size(); ++i) write(i, answers[i]);
        return;
    }
    std::vector<const Answer*> sorted;
    sorted.reserve(answers.size());
    for (const auto& answer : answers) sorted.push_back(&answer);
    std::sort(sorted.begin(), sorted.end(),
              [](const Answer* a, const Answer* b) { return bytes_less(a->item, b->item); });
    for (std::size_t i = 0; i < sorted.size(); ++i) write(i, *sorted[i]);
}

// SHA-256 through one digest fetched once and one context reused per thread: the
// one-shot SHA256() looks the algorithm up and allocates a context on every call,
// which cost more than hashing a record's few hundred bytes.
class Sha256 {
  public:
    Sha256() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), context_(EVP_MD_CTX_new()) {}
    ~Sha256() {
        EVP_MD_CTX_free(context_);
        EVP_MD_free(md_);
    }
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    Digest operator()(std::string_view bytes) {
        Digest digest;
        if (!md_ || !context_ || !EVP_DigestInit_ex2(context_, md_, nullptr) ||
            !EVP_DigestUpdate(context_, bytes.data(), bytes.size()) ||
            !EVP_DigestFinal_ex(context_, digest.data(), nullptr))
            // Only without memory or without libcrypto's default provider.
            throw std::runtime_error("SHA-256 is not available from libcrypto");
        return digest;
    }

  private:
    EVP_MD* md_;
    EVP_MD_CTX* context_;
};

}  // namespace

namespace {

// Writes the signing bytes into room for max_canonical_size(r); returns their end.
char* write_signing_bytes(char* room, const Response& r) {
    CanonicalWriter json(room);
    json.raw("{\"answers\":{");
    write_answers(json, r.answers);
    json.text_fields({{"},\"device\":", r.device}});
    json.raw(",\"duration_ms\":");
    json.integer(r.duration_ms);
    json.raw(",\"flags\":[");
    // Records keep their flags sorted and unique (canonicalize, the parser).
    for (std::size_t i = 0; i < r.flags.size(); ++i) {
        if (i) json.raw(',');
        json.string(r.flags[i]);
    }
    json.text_fields({{"],\"id\":", r.id},
                      {",\"key\":", r.key},
                      {",\"lang\":", to_string(r.lang)},
                      {",\"org\":", r.org},
                      {",\"prev_hash\":", r.prev_hash},
                      {",\"questionnaire\":", r.questionnaire}});
    json.raw(",\"seq\":");
    json.integer(r.seq);
    json.text_fields({{",\"site\":", r.site},
                      {",\"started_at\":", r.started_at},
                      {",\"status\":", to_string(r.status)},
                      {",\"submitted_at\":", r.submitted_at}});
    json.raw('}');
    return json.end();
}

}  // namespace

void append_signing_bytes(std::string& out, const Response& r) {
    const std::size_t start = out.size();
    out.resize(start + max_canonical_size(r));
    out.resize(static_cast<std::size_t>(write_signing_bytes(out.data() + start, r) - out.data()));
}

std::string signing_bytes(const Response& record) {
    std::string out;
    append_signing_bytes(out, record);
    return out;
}

namespace {

// The record's signing bytes in this thread's reused room, valid until its next call:
// no allocation and no zero-filling (growing a string fills it) per record.
std::string_view signing_bytes_in_room(const Response& record) {
    thread_local std::string room;
    const std::size_t needed = max_canonical_size(record);
    if (room.size() < needed) room.resize(needed);
    const char* end = write_signing_bytes(room.data(), record);
    return {room.data(), static_cast<std::size_t>(end - room.data())};
}

}  // namespace

Digest record_digest(const Response& record) {
    // OpenSSL's SHA-256 uses the CPU's SHA extensions: 2.5 times libsodium's portable
    // one, and cxscore hashes every record of a multi-GB export.
    thread_local Sha256 sha256;
    return sha256(signing_bytes_in_room(record));
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
    auto bytes = signing_bytes_in_room(record);
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
