#include "cx/config/atomic_file.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <utility>

namespace cx {

namespace {

std::string os_error(const std::string& what, const std::filesystem::path& path) {
    return what + " " + path.string() + ": " + std::strerror(errno);
}

// Finishes a SHA-256 and returns it as lowercase hex.
std::string finish_sha256(crypto_hash_sha256_state& state) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&state, digest);
    char text[2 * crypto_hash_sha256_BYTES + 1];
    return sodium_bin2hex(text, sizeof text, digest, sizeof digest);
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

Status sync_and_rename(int fd, const std::filesystem::path& temp, const WrittenFile& file,
                       const BeforePublish& before_publish) {
    const std::filesystem::path& final = file.path;
    if (::fsync(fd) != 0) return make_error(ErrorKind::Io, os_error("cannot fsync", temp));
    if (before_publish) {
        if (auto allowed = before_publish(file); !allowed) return allowed;
    }
    if (::rename(temp.c_str(), final.c_str()) != 0)
        return make_error(ErrorKind::Io, os_error("cannot rename to", final));
    return sync_folder(final.parent_path());
}

}  // namespace

Status sync_folder(const std::filesystem::path& folder) {
    const auto dir = folder.empty() ? std::filesystem::path(".") : folder;
    int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) return make_error(ErrorKind::Io, os_error("cannot open folder", dir));
    bool synced = ::fsync(dir_fd) == 0;
    ::close(dir_fd);
    if (!synced) return make_error(ErrorKind::Io, os_error("cannot fsync folder", dir));
    return Ok{};
}

struct AtomicFileWriter::Hash {
    crypto_hash_sha256_state state;
};

std::filesystem::path temporary_path_for(const std::filesystem::path& final_path) {
    std::random_device random;
    return final_path.parent_path() /
           ("." + final_path.filename().string() + ".tmp-" + std::to_string(random()));
}

Result<AtomicFileWriter> AtomicFileWriter::create(const std::filesystem::path& final_path,
                                                  unsigned mode) {
    if (sodium_init() < 0)
        return make_error(ErrorKind::Internal, "libsodium could not be initialised");
    auto temp = temporary_path_for(final_path);
    int fd =
        ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode));
    if (fd < 0) return make_error(ErrorKind::Io, os_error("cannot create", temp));
    return AtomicFileWriter(final_path, temp, fd);
}

AtomicFileWriter::AtomicFileWriter(std::filesystem::path final_path,
                                   std::filesystem::path temp_path, int fd)
    : final_path_(std::move(final_path)),
      temp_path_(std::move(temp_path)),
      fd_(fd),
      hash_(new Hash) {
    crypto_hash_sha256_init(&hash_->state);
}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : final_path_(std::move(other.final_path_)),
      temp_path_(std::move(other.temp_path_)),
      fd_(std::exchange(other.fd_, -1)),
      bytes_(other.bytes_),
      hash_(std::exchange(other.hash_, nullptr)) {}

AtomicFileWriter::~AtomicFileWriter() {
    if (fd_ >= 0) {
        ::close(fd_);
        ::unlink(temp_path_.c_str());
    }
    delete hash_;
}

Status AtomicFileWriter::write(std::string_view data) {
    if (fd_ < 0) return make_error(ErrorKind::Internal, "export file already closed");
    if (!write_all(fd_, data))
        return make_error(ErrorKind::Io, os_error("cannot write", temp_path_));
    crypto_hash_sha256_update(&hash_->state, reinterpret_cast<const unsigned char*>(data.data()),
                              data.size());
    bytes_ += data.size();
    return Ok{};
}

Result<WrittenFile> AtomicFileWriter::commit(const BeforePublish& before_publish) {
    if (fd_ < 0) return make_error(ErrorKind::Internal, "export file already closed");
    WrittenFile file{final_path_, bytes_, finish_sha256(hash_->state)};
    auto synced = sync_and_rename(fd_, temp_path_, file, before_publish);
    ::close(fd_);
    fd_ = -1;
    if (!synced) {
        ::unlink(temp_path_.c_str());
        return synced.error();
    }
    return file;
}

Result<WrittenFile> publish_file(const std::filesystem::path& temp_path,
                                 const std::filesystem::path& final_path,
                                 const BeforePublish& before_publish) {
    if (sodium_init() < 0)
        return make_error(ErrorKind::Internal, "libsodium could not be initialised");
    int fd = ::open(temp_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error(ErrorKind::Io, os_error("cannot open", temp_path));
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    std::uint64_t bytes = 0;
    unsigned char buffer[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            return make_error(ErrorKind::Io, os_error("cannot read", temp_path));
        }
        if (n == 0) break;
        crypto_hash_sha256_update(&state, buffer, static_cast<std::size_t>(n));
        bytes += static_cast<std::uint64_t>(n);
    }
    WrittenFile file{final_path, bytes, finish_sha256(state)};
    auto synced = sync_and_rename(fd, temp_path, file, before_publish);
    ::close(fd);
    if (!synced) return synced.error();
    return file;
}

}  // namespace cx
