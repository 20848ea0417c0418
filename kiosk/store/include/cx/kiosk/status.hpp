#pragma once
// What `cxkiosk status` reports, for operators and monitoring scripts (they
// read this instead of opening SQLite): counts, the last sync, the newest
// refusal reasons, the store's schema version, who the kiosk is, the device key
// its records are sealed with and the head of its chain.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "cx/kiosk/store.hpp"
#include "cx/scoring/result.hpp"

namespace cx::kiosk {

struct KioskStatus {
    std::string device;
    std::string org;
    std::string site;
    int schema_version = 0;
    std::string key;       // the device's Ed25519 public key, 64 hex (`cxkiosk pubkey`)
    ChainHead chain_head;  // of this device's records: the newest seq and its hash
    StoreCounts counts;    // complete, incomplete, waiting (unsent), sent, refused, flagged
    std::optional<SyncReport> last_sync;  // none before the first attempt
    std::vector<RefusalEntry> refusals;   // newest first, at most kStatusRefusals
};

inline constexpr std::size_t kStatusRefusals = 5;

Result<KioskStatus> read_status(Store& store, const StoreIdentity& identity);

// One JSON object, no trailing newline:
// {"device","org","site","schema_version","key","chain_head":{"seq","hash"},
//  "counts":{"complete","incomplete","waiting","sent","refused","flagged"},
//  "last_sync":null|{"at","result":"ok"|"failed","http_status","sent","refused","remaining","detail"},
//  "refusals":[{"id","seq","code","detail","at"}]}
std::string render_status_json(const KioskStatus& status);
// Plain English lines, each ending in a newline.
std::string render_status_text(const KioskStatus& status);

}  // namespace cx::kiosk
