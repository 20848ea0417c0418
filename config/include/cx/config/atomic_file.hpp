#pragma once
// Export files appear complete or not at all: written under a temporary name
// in the target folder, fsync'ed, renamed, the folder fsync'ed. Their SHA-256
// is computed on the bytes written, for the audit log.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "cx/scoring/result.hpp"

namespace cx {

struct WrittenFile {
    std::filesystem::path path;
    std::uint64_t bytes = 0;
    std::string sha256;  // lowercase hex
};

// Called once the file's bytes are on the medium (fsync'ed), before it takes its final
// name; an error stops the rename and the temporary file is removed. Exports record
// themselves in the audit log here: no export appears that the log does not name.
using BeforePublish = std::function<Status(const WrittenFile& file)>;

class AtomicFileWriter {
  public:
    // `mode`: the file's permissions (before the umask), e.g. 0600 for a secret.
    static Result<AtomicFileWriter> create(const std::filesystem::path& final_path,
                                           unsigned mode = 0644);
    AtomicFileWriter(AtomicFileWriter&& other) noexcept;
    AtomicFileWriter& operator=(AtomicFileWriter&&) = delete;
    AtomicFileWriter(const AtomicFileWriter&) = delete;
    ~AtomicFileWriter();  // removes the temporary file unless committed

    Status write(std::string_view data);
    // fsync, `before_publish`, rename over the final name, fsync the folder.
    Result<WrittenFile> commit(const BeforePublish& before_publish = {});

  private:
    AtomicFileWriter(std::filesystem::path final_path, std::filesystem::path temp_path, int fd);
    struct Hash;
    std::filesystem::path final_path_;
    std::filesystem::path temp_path_;
    int fd_ = -1;
    std::uint64_t bytes_ = 0;
    Hash* hash_ = nullptr;
};

// A temporary name beside `final_path` for writers that create the file
// themselves (libxlsxwriter); publish it with publish_file.
std::filesystem::path temporary_path_for(const std::filesystem::path& final_path);
// Hashes, fsyncs and renames a finished temporary file over `final_path`
// (`before_publish` between the fsync and the rename).
Result<WrittenFile> publish_file(const std::filesystem::path& temp_path,
                                 const std::filesystem::path& final_path,
                                 const BeforePublish& before_publish = {});

// fsyncs a folder: a name created, renamed or removed in it survives a power cut only
// after that (POSIX; tests/reliability/powercut_fs.cpp models it). "" is the current folder.
Status sync_folder(const std::filesystem::path& folder);

}  // namespace cx
