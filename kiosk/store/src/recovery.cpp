#include "cx/kiosk/recovery.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <system_error>
#include <vector>

#include "cx/config/atomic_file.hpp"

#include "utc_text.hpp"

namespace cx::kiosk {

namespace {

// Keeps the damaged file (and its WAL) as evidence under a new name; returns that name.
Result<std::string> move_aside(const std::filesystem::path& path) {
    std::string stamp = utc_now_text();
    std::erase(stamp, ':');
    const auto aside = path.string() + ".corrupt-" + stamp;
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const std::filesystem::path from = path.string() + suffix;
        if (!std::filesystem::exists(from, ec)) continue;
        std::filesystem::rename(from, aside + suffix, ec);
        if (ec)
            return make_error(ErrorKind::Io,
                              "cannot move " + from.string() + " aside: " + ec.message());
    }
    return aside;
}

}  // namespace

Status create_data_dir(const std::filesystem::path& data_dir) {
    std::error_code ec;
    if (std::filesystem::is_directory(data_dir, ec)) return Ok{};
    // The folders made here: each one's name is durable only once its parent is fsync'ed,
    // or a power cut loses the data dir with the device key and the store in it.
    std::vector<std::filesystem::path> made;
    for (auto dir = data_dir; !dir.empty() && !std::filesystem::exists(dir, ec);
         dir = dir.parent_path()) {
        made.push_back(dir);
        if (dir == dir.parent_path()) break;
    }
    if (data_dir.has_parent_path()) std::filesystem::create_directories(data_dir.parent_path(), ec);
    // Made owner-only from the start: no moment in which others could open it.
    if (!ec && ::mkdir(data_dir.c_str(), 0700) != 0 && errno != EEXIST)
        ec = std::error_code(errno, std::generic_category());
    if (ec)
        return make_error(ErrorKind::Store,
                          data_dir.string() + ": cannot create data dir: " + ec.message());
    for (const auto& dir : made)
        if (auto synced = sync_folder(dir.parent_path()); !synced)
            return make_error(ErrorKind::Store, data_dir.string() + ": cannot create data dir: " +
                                                    synced.error().message);
    return Ok{};
}

Result<DataDirStore> open_data_dir_store(const std::filesystem::path& data_dir) {
    if (auto created = create_data_dir(data_dir); !created) return created.error();
    // Before the store: without its key the store is not opened (nor migrated), and a
    // key file's own damage never moves the store aside.
    auto key = load_device_key(data_dir);
    if (!key) return key.error();
    const auto path = data_dir / Store::kFileName;
    auto opened = Store::open(path.string(), key.value());
    if (opened) return DataDirStore{std::move(opened.value()), std::nullopt};
    // Busy, TooNew and plain failures are refused as they are: only a damaged file moves.
    if (opened.error().kind != ErrorKind::Damaged) return opened.error();

    const auto& damage = opened.error().message;
    auto aside = move_aside(path);
    if (!aside) return make_error(ErrorKind::Damaged, damage + "; " + aside.error().message);
    auto fresh = Store::open(path.string(), key.value());
    if (!fresh) {
        auto error = fresh.error();
        error.message = damage + "; moved to " + aside.value() +
                        ", but a new store failed too: " + error.message;
        return error;
    }
    const auto notice = "store was damaged (" + damage + "); moved to " + aside.value() +
                        " and a new store was created";
    if (auto logged = fresh.value()->audit("store_recovered", notice); !logged)
        return logged.error();
    return DataDirStore{std::move(fresh.value()), notice};
}

}  // namespace cx::kiosk
