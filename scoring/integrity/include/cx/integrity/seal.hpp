#pragma once
// Sealing a record: what makes a response evidence the certifier can trust
// (sync/PROTOCOL.md "Signed records"). The kiosk seals each record when it
// commits it; the server and `cxscore verify` check the seal. Defined once,
// here, so that all three agree byte for byte.
#include <array>
#include <filesystem>
#include <string>
#include <string_view>

#include "cx/scoring/response.hpp"
#include "cx/scoring/result.hpp"

namespace cx::integrity {

// `prev_hash` of a device key's first record (seq 1 of its chain).
inline constexpr std::string_view kGenesisPrevHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The bytes that are hashed and signed: the record as one JSON object with its
// keys (and the keys of "answers") in byte order, no whitespace, UTF-8, every
// field but "sig".
void append_signing_bytes(std::string& out, const Response& record);
std::string signing_bytes(const Response& record);

using Digest = std::array<unsigned char, 32>;
// SHA-256 of the record's signing bytes: the next record's `prev_hash`.
Digest record_digest(const Response& record);
std::string record_hash(const Response& record);  // lowercase hex of record_digest

std::string to_hex(const unsigned char* bytes, std::size_t size);
template <std::size_t N>
std::string to_hex(const std::array<unsigned char, N>& bytes) {
    return to_hex(bytes.data(), N);
}

// An Ed25519 public key, as records and `cxserver add-token --pubkey` carry it: 64 lowercase hex.
class PublicKey {
  public:
    static Result<PublicKey> from_hex(std::string_view hex);
    const std::string& hex() const { return hex_; }
    const std::array<unsigned char, 32>& bytes() const { return bytes_; }
    bool operator==(const PublicKey& other) const { return hex_ == other.hex_; }

  private:
    std::array<unsigned char, 32> bytes_{};
    std::string hex_;
};

// A device's Ed25519 key pair.
class SigningKey {
  public:
    // The key in `file` (the 32-byte seed as 64 hex digits and a newline), created
    // with a fresh random seed (mode 0600, fsync'ed) when the file does not exist.
    // A key file that others may read, or that is malformed, is an error: it is
    // never replaced, since records signed by it are already out in the world.
    static Result<SigningKey> load_or_create(const std::filesystem::path& file);
    // The key in an existing file, as load_or_create checks it.
    static Result<SigningKey> load(const std::filesystem::path& file);
    // A key from a known seed: test vectors and tests.
    static SigningKey from_seed(const std::array<unsigned char, 32>& seed);

    const PublicKey& public_key() const { return public_key_; }
    // Ed25519 signature of `message`, 128 lowercase hex.
    std::string sign(std::string_view message) const;
    // Sets the record's key and prev_hash, then signs it.
    void seal(Response& record, std::string_view prev_hash) const;

  private:
    std::array<unsigned char, 64> secret_{};  // libsodium's seed || public key
    PublicKey public_key_;
};

// What checking a record's seal against the key it must carry found.
enum class SealCheck {
    Valid,
    Unsigned,      // no key / prev_hash / sig
    WrongKey,      // signed with a key other than the expected one
    BadSignature,  // the signature does not match the record's bytes under its key
};
std::string_view to_string(SealCheck check);  // "valid", "unsigned", "wrong_key", "bad_signature"

// Checks that `record` is signed by `expected` and that the signature holds.
SealCheck check_seal(const Response& record, const PublicKey& expected);
// Checks only that the signature holds under the key the record names.
SealCheck check_own_seal(const Response& record);

}  // namespace cx::integrity
