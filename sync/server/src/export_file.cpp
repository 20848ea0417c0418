#include "cx/export_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace cx {

Result<std::size_t> export_to_file(ServerStore& store, const ResponseQuery& query,
                                   const std::filesystem::path& out) {
    auto temporary = out;
    temporary += ".partial";
    struct FileCloser {
        void operator()(std::FILE* file) const { std::fclose(file); }
    };
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(temporary.c_str(), "wb"));
    if (!file) return Error{"cannot write " + temporary.string() + ": " + std::strerror(errno)};
    std::size_t written = 0;
    auto walked = for_each_record(store, query, [&](std::string_view line) {
        std::fwrite(line.data(), 1, line.size(), file.get());
        std::fputc('\n', file.get());
        ++written;
    });
    if (!walked) {
        file.reset();
        std::filesystem::remove(temporary);
        return walked.error();
    }
    bool flushed = std::fflush(file.get()) == 0 && !std::ferror(file.get());
    file.reset();
    std::error_code error;
    if (flushed) std::filesystem::rename(temporary, out, error);
    if (!flushed || error) {
        std::error_code ignored;
        std::filesystem::remove(temporary, ignored);
        return Error{"cannot write " + out.string() + (flushed ? ": " + error.message() : "")};
    }
    return written;
}

}  // namespace cx
