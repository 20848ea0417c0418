// powercut_fs BACKING MOUNTPOINT: a FUSE 3 filesystem for the power-cut test
// (issue 12) that behaves like a disk whose machine may lose power at any moment.
//
// BACKING is the disk: it only ever holds what was made durable, laid out as
// the files and folders it stands for (a test can open it directly after a cut).
// Everything else lives in this process's memory, "the page cache":
//
// - File data (write, truncate, the size) stays in memory until the file is
//   fsync'ed or fdatasync'ed; then its dirty pages and its size are written to
//   the backing file, which is fsync'ed. Reads see the live data (one's own
//   unsynced writes), as with a real page cache.
// - Names (create, mkdir, rename, unlink, rmdir) change the live tree at once
//   and become durable only when their folder is fsync'ed: the folder's whole
//   list of entries is then written out (a file new to it with the data its
//   last fsync made durable, none if it never had one; a new folder with the
//   entries its own last fsync made durable). A new folder therefore survives
//   only once its parent is fsync'ed too. This is what POSIX promises and less
//   than ext4 gives (its journal commits every pending name on any fsync):
//   software that survives here does not rely on a filesystem's kindness.
// - Mode and owner are durable with the file's fsync (a folder's with its own).
//
// SIGUSR1 is the power cut: from that instant nothing more reaches the disk (an
// fsync being written stops between two pages, as a write cut off mid-way) and
// every further operation fails with EIO; the line "powercut_fs: power cut" on
// stderr says it happened. Unmount (umount -l) and mount a fresh instance over
// BACKING to see what a rebooted machine finds. A mount starts by loading
// BACKING and deleting the temporary names a cut may have left in it.
// Runs in the foreground, single-threaded; as root in the tests.
#define FUSE_USE_VERSION 35
#include <fcntl.h>
#include <fuse.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kPage = 4096;
constexpr std::uint64_t kRootIno = 1;
// Names a folder's fsync writes before renaming them into place.
constexpr std::string_view kTempPrefix = ".powercut-tmp-";

std::atomic<bool> power_cut{false};

void cut_power(int) {
    power_cut = true;
    static const char said[] = "powercut_fs: power cut\n";
    [[maybe_unused]] auto written = ::write(STDERR_FILENO, said, sizeof said - 1);
}

timespec now() {
    timespec t{};
    clock_gettime(CLOCK_REALTIME, &t);
    return t;
}

struct Node {
    bool dir = false;
    mode_t mode = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string data;                              // a file's bytes
    std::map<std::string, std::uint64_t> entries;  // a folder's names
    timespec atime{}, mtime{}, ctime{};
    // Live nodes only: names and open handles keeping it, and the pages written
    // since its last fsync.
    unsigned links = 0;
    unsigned opens = 0;
    std::set<std::size_t> dirty_pages;

    void mark_dirty(std::size_t from, std::size_t to) {
        for (std::size_t page = from / kPage; page * kPage < to; ++page) dirty_pages.insert(page);
    }
};

// The live tree (what programs see) and the durable one (what BACKING holds),
// both by inode number; BACKING is always the rendering of `disk` from the root.
class PowerCutFs {
  public:
    explicit PowerCutFs(fs::path backing) : backing_(std::move(backing)) {}

    int load() {
        std::error_code ec;
        if (!fs::is_directory(backing_, ec)) return -ENOTDIR;
        Node root = read_node(backing_);
        root.links = 1;
        live_[kRootIno] = root;
        disk_[kRootIno] = root;
        return load_entries(kRootIno, backing_);
    }

    int getattr(const char* path, struct stat* st, fuse_file_info* fi) {
        std::uint64_t ino = 0;
        if (int error = find(path, fi, ino)) return error;
        const Node& node = live_.at(ino);
        *st = {};
        st->st_ino = ino;
        st->st_mode = (node.dir ? S_IFDIR : S_IFREG) | node.mode;
        st->st_nlink = node.dir ? 2 : std::max(node.links, 1u);
        st->st_uid = node.uid;
        st->st_gid = node.gid;
        st->st_size = node.dir ? static_cast<off_t>(kPage) : static_cast<off_t>(node.data.size());
        st->st_blksize = kPage;
        st->st_blocks = (st->st_size + 511) / 512;
        st->st_atim = node.atime;
        st->st_mtim = node.mtime;
        st->st_ctim = node.ctime;
        return 0;
    }

    int readdir(const char* path, void* buf, fuse_fill_dir_t fill, fuse_file_info* fi) {
        std::uint64_t ino = 0;
        if (int error = find(path, fi, ino)) return error;
        const Node& node = live_.at(ino);
        if (!node.dir) return -ENOTDIR;
        fill(buf, ".", nullptr, 0, fuse_fill_dir_flags{});
        fill(buf, "..", nullptr, 0, fuse_fill_dir_flags{});
        for (const auto& [name, child] : node.entries)
            fill(buf, name.c_str(), nullptr, 0, fuse_fill_dir_flags{});
        return 0;
    }

    int make(const char* path, mode_t mode, bool dir, std::uint64_t& made) {
        std::uint64_t parent = 0;
        std::string name;
        if (int error = find_parent(path, parent, name)) return error;
        Node& folder = live_.at(parent);
        if (folder.entries.contains(name)) return -EEXIST;
        Node node;
        node.dir = dir;
        node.mode = mode & 07777;
        const fuse_context* caller = fuse_get_context();
        node.uid = caller->uid;
        node.gid = caller->gid;
        node.atime = node.mtime = node.ctime = now();
        node.links = 1;
        made = next_ino_++;
        live_[made] = std::move(node);
        folder.entries[name] = made;
        folder.mtime = folder.ctime = now();
        return 0;
    }

    int open(const char* path, fuse_file_info* fi) {
        std::uint64_t ino = 0;
        if (int error = find(path, nullptr, ino)) return error;
        ++live_.at(ino).opens;
        fi->fh = ino;
        return 0;
    }

    int release(fuse_file_info* fi) {
        auto found = live_.find(fi->fh);
        if (found == live_.end()) return 0;
        --found->second.opens;
        forget_if_unused(fi->fh);
        return 0;
    }

    int remove(const char* path, bool dir) {
        std::uint64_t parent = 0;
        std::string name;
        if (int error = find_parent(path, parent, name)) return error;
        Node& folder = live_.at(parent);
        auto entry = folder.entries.find(name);
        if (entry == folder.entries.end()) return -ENOENT;
        const Node& node = live_.at(entry->second);
        if (node.dir != dir) return dir ? -ENOTDIR : -EISDIR;
        if (dir && !node.entries.empty()) return -ENOTEMPTY;
        const std::uint64_t ino = entry->second;
        folder.entries.erase(entry);
        folder.mtime = folder.ctime = now();
        unlink_node(ino);
        return 0;
    }

    int rename(const char* from, const char* to, unsigned int flags) {
        if (flags != 0) return -EINVAL;  // no RENAME_NOREPLACE / RENAME_EXCHANGE
        std::uint64_t from_parent = 0, to_parent = 0;
        std::string from_name, to_name;
        if (int error = find_parent(from, from_parent, from_name)) return error;
        if (int error = find_parent(to, to_parent, to_name)) return error;
        auto moving = live_.at(from_parent).entries.find(from_name);
        if (moving == live_.at(from_parent).entries.end()) return -ENOENT;
        const std::uint64_t ino = moving->second;
        Node& target_folder = live_.at(to_parent);
        if (live_.at(ino).dir && (ino == to_parent || contains(ino, to_parent))) return -EINVAL;
        if (auto replaced = target_folder.entries.find(to_name);
            replaced != target_folder.entries.end()) {
            if (replaced->second == ino) return 0;
            const Node& old = live_.at(replaced->second);
            if (old.dir && !live_.at(ino).dir) return -EISDIR;
            if (!old.dir && live_.at(ino).dir) return -ENOTDIR;
            if (old.dir && !old.entries.empty()) return -ENOTEMPTY;
            const std::uint64_t old_ino = replaced->second;
            target_folder.entries.erase(replaced);
            unlink_node(old_ino);
        }
        live_.at(from_parent).entries.erase(from_name);
        target_folder.entries[to_name] = ino;
        for (std::uint64_t folder : {from_parent, to_parent})
            live_.at(folder).mtime = live_.at(folder).ctime = now();
        live_.at(ino).ctime = now();
        return 0;
    }

    int read(char* buf, std::size_t size, off_t offset, fuse_file_info* fi) {
        const Node& node = live_.at(fi->fh);
        if (static_cast<std::size_t>(offset) >= node.data.size()) return 0;
        const std::size_t count = std::min(size, node.data.size() - offset);
        std::memcpy(buf, node.data.data() + offset, count);
        return static_cast<int>(count);
    }

    int write(const char* buf, std::size_t size, off_t offset, fuse_file_info* fi) {
        Node& node = live_.at(fi->fh);
        std::size_t at =
            (fi->flags & O_APPEND) ? node.data.size() : static_cast<std::size_t>(offset);
        if (node.data.size() < at + size) node.data.resize(at + size, '\0');
        std::memcpy(node.data.data() + at, buf, size);
        node.mark_dirty(at, at + size);
        node.mtime = node.ctime = now();
        return static_cast<int>(size);
    }

    int truncate(const char* path, off_t size, fuse_file_info* fi) {
        std::uint64_t ino = 0;
        if (int error = find(path, fi, ino)) return error;
        Node& node = live_.at(ino);
        if (node.dir) return -EISDIR;
        const std::size_t old_size = node.data.size();
        node.data.resize(static_cast<std::size_t>(size), '\0');
        // Bytes a shrink cut off and a growth brought back are zeros now, not the disk's old ones.
        node.mark_dirty(std::min(old_size, node.data.size()), node.data.size());
        node.mtime = node.ctime = now();
        return 0;
    }

    int chmod(const char* path, mode_t mode, fuse_file_info* fi) {
        std::uint64_t ino = 0;
        if (int error = find(path, fi, ino)) return error;
        live_.at(ino).mode = mode & 07777;
        live_.at(ino).ctime = now();
        return 0;
    }

    int chown(const char* path, uid_t uid, gid_t gid, fuse_file_info* fi) {
        std::uint64_t ino = 0;
        if (int error = find(path, fi, ino)) return error;
        Node& node = live_.at(ino);
        if (uid != static_cast<uid_t>(-1)) node.uid = uid;
        if (gid != static_cast<gid_t>(-1)) node.gid = gid;
        node.ctime = now();
        return 0;
    }

    int utimens(const char* path, const timespec times[2], fuse_file_info* fi) {
        std::uint64_t ino = 0;
        if (int error = find(path, fi, ino)) return error;
        Node& node = live_.at(ino);
        for (auto [time, slot] :
             {std::pair{times[0], &node.atime}, std::pair{times[1], &node.mtime}}) {
            if (time.tv_nsec == UTIME_OMIT) continue;
            *slot = time.tv_nsec == UTIME_NOW ? now() : time;
        }
        node.ctime = now();
        return 0;
    }

    int statfs(struct statvfs* stats) {
        return ::statvfs(backing_.c_str(), stats) == 0 ? 0 : -errno;
    }

    // fsync / fdatasync of a file: its data, size, mode and owner reach the disk.
    int sync_file(std::uint64_t ino) {
        Node& node = live_.at(ino);
        Node& durable = disk_[ino];
        durable.data = node.data;
        durable.mode = node.mode;
        durable.uid = node.uid;
        durable.gid = node.gid;
        for (const fs::path& path : backing_paths(ino)) {
            const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
            if (fd < 0) return -errno;
            int error = write_pages(fd, node.data, node.dirty_pages);
            if (!error && ::ftruncate(fd, static_cast<off_t>(node.data.size())) != 0)
                error = -errno;
            if (!error) error = own(fd, durable);
            if (!error && ::fsync(fd) != 0) error = -errno;
            ::close(fd);
            if (error) return error;
        }
        node.dirty_pages.clear();
        return 0;
    }

    // fsync of a folder: its list of names as it is now reaches the disk.
    int sync_folder(std::uint64_t ino) {
        const Node& node = live_.at(ino);
        for (const auto& [name, child] : node.entries) {
            if (disk_.contains(child)) continue;
            const Node& fresh = live_.at(child);  // never fsync'ed: no data, no names yet
            Node& durable = disk_[child];
            durable.dir = fresh.dir;
            durable.mode = fresh.mode;
            durable.uid = fresh.uid;
            durable.gid = fresh.gid;
        }
        Node& durable = disk_[ino];
        durable.dir = true;
        durable.mode = node.mode;
        const auto before = durable.entries;
        durable.entries = node.entries;
        for (const fs::path& folder : backing_paths(ino)) {
            for (const auto& [name, child] : before) {
                auto kept = node.entries.find(name);
                if (kept == node.entries.end()) {
                    if (power_cut) return -EIO;
                    std::error_code ec;
                    fs::remove_all(folder / name, ec);
                    if (ec) return -ec.value();
                }
            }
            for (const auto& [name, child] : node.entries) {
                auto old = before.find(name);
                if (old != before.end() && old->second == child) continue;
                std::set<std::uint64_t> above{ino};
                if (int error = render(child, folder, name, above)) return error;
            }
            if (int error = sync_path(folder, true)) return error;
        }
        return 0;
    }

  private:
    int find(const char* path, fuse_file_info* fi, std::uint64_t& ino) const {
        if (fi && fi->fh) {
            ino = fi->fh;
            return live_.contains(ino) ? 0 : -ENOENT;
        }
        if (!path) return -ENOENT;
        ino = kRootIno;
        for (const auto& part : fs::path(path).relative_path()) {
            if (part.empty()) continue;
            const Node& node = live_.at(ino);
            if (!node.dir) return -ENOTDIR;
            auto entry = node.entries.find(part.string());
            if (entry == node.entries.end()) return -ENOENT;
            ino = entry->second;
        }
        return 0;
    }

    int find_parent(const char* path, std::uint64_t& parent, std::string& name) const {
        const fs::path whole(path);
        name = whole.filename().string();
        if (name.empty()) return -EINVAL;
        if (int error = find(whole.parent_path().c_str(), nullptr, parent)) return error;
        return live_.at(parent).dir ? 0 : -ENOTDIR;
    }

    bool contains(std::uint64_t folder, std::uint64_t ino) const {
        for (const auto& [name, child] : live_.at(folder).entries)
            if (child == ino || (live_.at(child).dir && contains(child, ino))) return true;
        return false;
    }

    void unlink_node(std::uint64_t ino) {
        --live_.at(ino).links;
        forget_if_unused(ino);
    }

    void forget_if_unused(std::uint64_t ino) {
        const Node& node = live_.at(ino);
        if (node.links == 0 && node.opens == 0 && ino != kRootIno) live_.erase(ino);
    }

    static Node read_node(const fs::path& path) {
        struct stat st {};
        ::stat(path.c_str(), &st);
        Node node;
        node.dir = S_ISDIR(st.st_mode);
        node.mode = st.st_mode & 07777;
        node.uid = st.st_uid;
        node.gid = st.st_gid;
        node.atime = st.st_atim;
        node.mtime = st.st_mtim;
        node.ctime = st.st_ctim;
        node.links = 1;
        if (!node.dir) {
            std::ifstream in(path, std::ios::binary);
            node.data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        return node;
    }

    int load_entries(std::uint64_t folder, const fs::path& path) {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(path, ec)) {
            const std::string name = entry.path().filename().string();
            if (name.starts_with(kTempPrefix)) {  // a cut during a folder's fsync left it
                fs::remove_all(entry.path(), ec);
                continue;
            }
            if (!entry.is_regular_file() && !entry.is_directory()) {
                std::fprintf(stderr, "powercut_fs: %s is neither a file nor a folder\n",
                             entry.path().c_str());
                return -EINVAL;
            }
            const std::uint64_t ino = next_ino_++;
            Node node = read_node(entry.path());
            live_[ino] = node;
            disk_[ino] = node;
            live_[folder].entries[name] = ino;
            disk_[folder].entries[name] = ino;
            if (node.dir)
                if (int error = load_entries(ino, entry.path())) return error;
        }
        return ec ? -ec.value() : 0;
    }

    // Where the disk holds `ino` (a rename not yet synced in its old folder may show it twice).
    std::vector<fs::path> backing_paths(std::uint64_t ino) const {
        std::vector<fs::path> found;
        if (ino == kRootIno) return {backing_};
        std::set<std::uint64_t> above;
        collect(kRootIno, backing_, ino, above, found);
        return found;
    }

    void collect(std::uint64_t folder, const fs::path& path, std::uint64_t ino,
                 std::set<std::uint64_t>& above, std::vector<fs::path>& found) const {
        above.insert(folder);
        for (const auto& [name, child] : disk_.at(folder).entries) {
            if (child == ino) found.push_back(path / name);
            const auto node = disk_.find(child);
            if (node != disk_.end() && node->second.dir && !above.contains(child))
                collect(child, path / name, ino, above, found);
        }
        above.erase(folder);
    }

    // Writes the disk's `ino` (a folder with its durable entries) as `folder/name`,
    // through a temporary name renamed into place.
    int render(std::uint64_t ino, const fs::path& folder, const std::string& name,
               std::set<std::uint64_t>& above) {
        if (power_cut) return -EIO;
        const Node& node = disk_.at(ino);
        const fs::path temp = folder / (std::string(kTempPrefix) + name);
        const fs::path final_path = folder / name;
        std::error_code ec;
        if (node.dir) {
            if (above.contains(ino)) return -ELOOP;  // renames in unsynced folders made a loop
            if (::mkdir(temp.c_str(), node.mode) != 0) return -errno;
            if (::chown(temp.c_str(), node.uid, node.gid) != 0) return -errno;
            above.insert(ino);
            for (const auto& [child_name, child] : node.entries)
                if (int error = render(child, temp, child_name, above)) return error;
            above.erase(ino);
            if (int error = sync_path(temp, true)) return error;
            fs::remove_all(final_path, ec);  // a folder replaced by this one (it was empty)
        } else {
            const int fd =
                ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, node.mode);
            if (fd < 0) return -errno;
            std::set<std::size_t> pages;
            for (std::size_t page = 0; page * kPage < node.data.size(); ++page) pages.insert(page);
            int error = write_pages(fd, node.data, pages);
            if (!error) error = own(fd, node);
            if (!error && ::fsync(fd) != 0) error = -errno;
            ::close(fd);
            if (error) return error;
            if (fs::is_directory(final_path, ec)) fs::remove_all(final_path, ec);
        }
        if (power_cut) return -EIO;
        return ::rename(temp.c_str(), final_path.c_str()) == 0 ? 0 : -errno;
    }

    static int write_pages(int fd, const std::string& data, const std::set<std::size_t>& pages) {
        for (std::size_t page : pages) {
            const std::size_t at = page * kPage;
            if (at >= data.size()) break;
            if (power_cut) return -EIO;  // the power went while these pages were written
            const std::size_t count = std::min(kPage, data.size() - at);
            if (::pwrite(fd, data.data() + at, count, static_cast<off_t>(at)) !=
                static_cast<ssize_t>(count))
                return -EIO;
        }
        return 0;
    }

    static int own(int fd, const Node& node) {
        if (::fchmod(fd, node.mode) != 0 || ::fchown(fd, node.uid, node.gid) != 0) return -errno;
        return 0;
    }

    static int sync_path(const fs::path& path, bool dir) {
        if (power_cut) return -EIO;
        const int fd = ::open(path.c_str(), (dir ? O_RDONLY | O_DIRECTORY : O_WRONLY) | O_CLOEXEC);
        if (fd < 0) return -errno;
        const int result = ::fsync(fd) == 0 ? 0 : -errno;
        ::close(fd);
        return result;
    }

    fs::path backing_;
    std::unordered_map<std::uint64_t, Node> live_;
    std::unordered_map<std::uint64_t, Node> disk_;
    std::uint64_t next_ino_ = kRootIno + 1;
};

PowerCutFs* volume = nullptr;

// Every operation fails once the power is gone (the call is not even started).
template <class Call>
int powered(Call call) {
    return power_cut ? -EIO : call();
}

fuse_operations operations() {
    fuse_operations ops{};
    ops.init = [](fuse_conn_info*, fuse_config* cfg) -> void* {
        cfg->use_ino = 1;
        cfg->hard_remove = 1;  // unlink means unlink, not a rename to .fuse_hidden…
        cfg->nullpath_ok = 1;  // an unlinked open file is reached by its handle
        std::fprintf(stderr, "powercut_fs: mounted\n");
        return nullptr;
    };
    ops.getattr = [](const char* path, struct stat* st, fuse_file_info* fi) {
        return powered([&] { return volume->getattr(path, st, fi); });
    };
    ops.readdir = [](const char* path, void* buf, fuse_fill_dir_t fill, off_t, fuse_file_info* fi,
                     fuse_readdir_flags) {
        return powered([&] { return volume->readdir(path, buf, fill, fi); });
    };
    ops.opendir = [](const char* path, fuse_file_info* fi) {
        return powered([&] { return volume->open(path, fi); });
    };
    ops.releasedir = [](const char*, fuse_file_info* fi) { return volume->release(fi); };
    ops.mkdir = [](const char* path, mode_t mode) {
        std::uint64_t made = 0;
        return powered([&] { return volume->make(path, mode, true, made); });
    };
    ops.create = [](const char* path, mode_t mode, fuse_file_info* fi) {
        std::uint64_t made = 0;
        if (int error = powered([&] { return volume->make(path, mode, false, made); }))
            return error;
        return volume->open(path, fi);
    };
    ops.open = [](const char* path, fuse_file_info* fi) {
        return powered([&] { return volume->open(path, fi); });
    };
    ops.release = [](const char*, fuse_file_info* fi) { return volume->release(fi); };
    ops.unlink = [](const char* path) {
        return powered([&] { return volume->remove(path, false); });
    };
    ops.rmdir = [](const char* path) {
        return powered([&] { return volume->remove(path, true); });
    };
    ops.rename = [](const char* from, const char* to, unsigned int flags) {
        return powered([&] { return volume->rename(from, to, flags); });
    };
    ops.read = [](const char*, char* buf, std::size_t size, off_t offset, fuse_file_info* fi) {
        return powered([&] { return volume->read(buf, size, offset, fi); });
    };
    ops.write = [](const char*, const char* buf, std::size_t size, off_t offset,
                   fuse_file_info* fi) {
        return powered([&] { return volume->write(buf, size, offset, fi); });
    };
    ops.truncate = [](const char* path, off_t size, fuse_file_info* fi) {
        return powered([&] { return volume->truncate(path, size, fi); });
    };
    ops.chmod = [](const char* path, mode_t mode, fuse_file_info* fi) {
        return powered([&] { return volume->chmod(path, mode, fi); });
    };
    ops.chown = [](const char* path, uid_t uid, gid_t gid, fuse_file_info* fi) {
        return powered([&] { return volume->chown(path, uid, gid, fi); });
    };
    ops.utimens = [](const char* path, const timespec times[2], fuse_file_info* fi) {
        return powered([&] { return volume->utimens(path, times, fi); });
    };
    ops.statfs = [](const char*, struct statvfs* stats) {
        return powered([&] { return volume->statfs(stats); });
    };
    ops.flush = [](const char*, fuse_file_info*) { return powered([&] { return 0; }); };
    ops.fsync = [](const char*, int, fuse_file_info* fi) {
        return powered([&] { return volume->sync_file(fi->fh); });
    };
    ops.fsyncdir = [](const char*, int, fuse_file_info* fi) {
        return powered([&] { return volume->sync_folder(fi->fh); });
    };
    return ops;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: powercut_fs BACKING MOUNTPOINT\n");
        return 2;
    }
    PowerCutFs filesystem(argv[1]);
    if (int error = filesystem.load()) {
        std::fprintf(stderr, "powercut_fs: cannot load %s: %s\n", argv[1], std::strerror(-error));
        return 1;
    }
    volume = &filesystem;
    struct sigaction action {};
    action.sa_handler = cut_power;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGUSR1, &action, nullptr);
    const fuse_operations ops = operations();
    char name[] = "powercut_fs";
    char foreground[] = "-f";
    char single_thread[] = "-s";
    char options[] = "-odefault_permissions,fsname=powercut,subtype=powercut";
    char* fuse_argv[] = {name, foreground, single_thread, options, argv[2], nullptr};
    return fuse_main(5, fuse_argv, &ops, nullptr);
}
