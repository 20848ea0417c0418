#include "cx/kiosk/removable_media.hpp"

#include <fstream>
#include <sstream>

namespace cx {

namespace {

// /proc/mounts escapes space, tab, newline and backslash as \ooo octal.
std::string unescape_mount_field(std::string_view field) {
    std::string out;
    for (std::size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            auto octal = field.substr(i + 1, 3);
            if (octal.find_first_not_of("01234567") == std::string_view::npos) {
                out.push_back(static_cast<char>((octal[0] - '0') * 64 + (octal[1] - '0') * 8 +
                                                (octal[2] - '0')));
                i += 3;
                continue;
            }
        }
        out.push_back(field[i]);
    }
    return out;
}

bool is_removable_location(const std::string& path) {
    return path.starts_with("/media/") || path.starts_with("/run/media/");
}

}  // namespace

std::vector<MountPoint> parse_removable_mounts(std::string_view proc_mounts) {
    std::vector<MountPoint> mounts;
    std::istringstream lines{std::string(proc_mounts)};
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string device, path, filesystem;
        if (!(fields >> device >> path >> filesystem)) continue;
        auto mount_path = unescape_mount_field(path);
        if (is_removable_location(mount_path))
            mounts.push_back({mount_path, unescape_mount_field(device), filesystem});
    }
    return mounts;
}

std::vector<MountPoint> find_removable_media() {
    std::ifstream in("/proc/self/mounts");
    std::stringstream text;
    text << in.rdbuf();
    return parse_removable_mounts(text.str());
}

}  // namespace cx
