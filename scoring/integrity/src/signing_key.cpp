#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cx/integrity/seal.hpp"

namespace cx::integrity {

namespace {

constexpr std::size_t kKeyFileSize = 65;  // 64 hex digits of the seed and '\n'

Error key_error(ErrorKind kind, const std::filesystem::path& file, const std::string& why) {
    return make_error(kind, "device key " + file.string() + ": " + why);
}

std::string errno_text() {
    return std::strerror(errno);
}

// Writes a fresh seed to a new file: O_EXCL, so two kiosks starting at once on one data
// dir never both create one; fsync'ed with its folder, so a key that signed a record is on disk.
Status create_key_file(const std::filesystem::path& file) {
    std::array<unsigned char, 32> seed;
    randombytes_buf(seed.data(), seed.size());
    std::string text = to_hex(seed) + "\n";
    sodium_memzero(seed.data(), seed.size());
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return Ok{};  // created meanwhile by another process: use it
        return key_error(ErrorKind::Io, file, "cannot create: " + errno_text());
    }
    bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                   ::fsync(fd) == 0;
    int saved_errno = errno;
    ::close(fd);
    sodium_memzero(text.data(), text.size());
    if (!written) {
        ::unlink(file.c_str());
        errno = saved_errno;
        return key_error(ErrorKind::Io, file, "cannot write: " + errno_text());
    }
    int dir = ::open(file.parent_path().empty() ? "." : file.parent_path().c_str(),
                     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return Ok{};
}

}  // namespace

SigningKey SigningKey::from_seed(const std::array<unsigned char, 32>& seed) {
    if (sodium_init() < 0) std::abort();  // no usable random source: nothing can be signed
    SigningKey key;
    std::array<unsigned char, 32> public_bytes;
    crypto_sign_seed_keypair(public_bytes.data(), key.secret_.data(), seed.data());
    key.public_key_ = PublicKey::from_hex(to_hex(public_bytes)).value();
    return key;
}

Result<SigningKey> SigningKey::load(const std::filesystem::path& file) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return key_error(errno == ENOENT ? ErrorKind::NotFound : ErrorKind::Io, file,
                         "cannot open: " + errno_text());
    struct stat info {};
    ::fstat(fd, &info);
    if (!S_ISREG(info.st_mode)) {
        ::close(fd);
        return key_error(ErrorKind::Invalid, file, "not a regular file");
    }
    if ((info.st_mode & 077) != 0) {
        ::close(fd);
        return key_error(ErrorKind::Invalid, file,
                         "readable by others (mode must be 0600: chmod 600 it, and consider the "
                         "key exposed)");
    }
    std::string text(kKeyFileSize + 1, '\0');
    ssize_t got = ::read(fd, text.data(), text.size());
    ::close(fd);
    if (got < 0) return key_error(ErrorKind::Io, file, "cannot read: " + errno_text());
    text.resize(static_cast<std::size_t>(got));
    if (text.size() != kKeyFileSize || text.back() != '\n' ||
        !is_lowercase_hex(std::string_view(text).substr(0, 64), 64)) {
        sodium_memzero(text.data(), text.size());
        return key_error(ErrorKind::Damaged, file,
                         "malformed (expected 64 lowercase hex digits and a newline); it is "
                         "left as it is");
    }
    std::array<unsigned char, 32> seed;
    sodium_hex2bin(seed.data(), seed.size(), text.data(), 64, nullptr, nullptr, nullptr);
    sodium_memzero(text.data(), text.size());
    SigningKey key = from_seed(seed);
    sodium_memzero(seed.data(), seed.size());
    return key;
}

Result<SigningKey> SigningKey::load_or_create(const std::filesystem::path& file) {
    if (sodium_init() < 0) return key_error(ErrorKind::Internal, file, "libsodium failed to start");
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
        auto created = create_key_file(file);
        if (!created) return created.error();
    }
    return load(file);
}

std::string SigningKey::sign(std::string_view message) const {
    std::array<unsigned char, 64> signature;
    crypto_sign_detached(signature.data(), nullptr,
                         reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                         secret_.data());
    return to_hex(signature);
}

void SigningKey::seal(Response& record, std::string_view prev_hash) const {
    record.key = public_key_.hex();
    record.prev_hash = std::string(prev_hash);
    record.sig.clear();
    record.sig = sign(signing_bytes(record));
}

}  // namespace cx::integrity
