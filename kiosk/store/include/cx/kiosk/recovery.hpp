#pragma once
// Opening the store of a data dir, and what happens when its file is damaged.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "cx/kiosk/store.hpp"
#include "cx/scoring/result.hpp"

namespace cx::kiosk {

// Creates the data dir, if missing, for its owner alone (0700: responses, the device
// key and the upload token live there), and its parents; an existing one is left as it is.
Status create_data_dir(const std::filesystem::path& data_dir);

// The store of a data dir, created if missing, with the data dir's device key
// (load_device_key: a key file error is returned as it is). A damaged file (ErrorKind::Damaged)
// is renamed `<name>.corrupt-<UTC time>` with its -wal/-shm (never deleted), a
// fresh store is created, and the event is put in `recovery_notice` (for the
// caller to show) and in the audit log (store_recovered). Any other error
// (Busy, TooNew, Store) is returned and the file is left where it is.
struct DataDirStore {
    std::unique_ptr<Store> store;
    std::optional<std::string> recovery_notice;
};
Result<DataDirStore> open_data_dir_store(const std::filesystem::path& data_dir);

}  // namespace cx::kiosk
