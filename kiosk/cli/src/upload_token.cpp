#include "upload_token.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cx/config/config_files.hpp"

namespace cx::kiosk {

std::string token_argument_refusal() {
    return std::string(
               "the upload token is never given on the command line (every user sees "
               "it in the process list, and it stays in the shell history): put it in "
               "the settings file (\"token\" in --config FILE) or in DATA_DIR/") +
           kTokenFileName + " with mode 600";
}

Result<std::string> read_token_file(const std::filesystem::path& data_dir) {
    const auto path = data_dir / kTokenFileName;
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        if (errno == ENOENT) return make_error(ErrorKind::NotFound, path.string() + ": no token");
        return make_error(ErrorKind::Io, path.string() + ": " + std::strerror(errno));
    }
    if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(info.st_mode & 0777));
        return make_error(ErrorKind::Invalid,
                          path.string() +
                              ": the upload token file is open to group or others "
                              "(mode " +
                              mode + "); run chmod 600 " + path.string());
    }
    auto text = read_text_file(path);
    if (!text) return text.error();
    auto token = std::move(text).value();
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
        token.pop_back();
    if (token.empty()) return make_error(ErrorKind::Invalid, path.string() + ": empty token file");
    return token;
}

}  // namespace cx::kiosk
