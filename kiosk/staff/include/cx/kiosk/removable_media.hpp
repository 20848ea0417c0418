#pragma once
// Export targets: USB sticks and cards mounted under /media or /run/media.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cx {

struct MountPoint {
    std::filesystem::path path;
    std::string device;
    std::string filesystem;
};

// Parses /proc/mounts text; keeps mount points under /media/ and /run/media/.
std::vector<MountPoint> parse_removable_mounts(std::string_view proc_mounts);
// The removable media mounted now (reads /proc/self/mounts).
std::vector<MountPoint> find_removable_media();

}  // namespace cx
