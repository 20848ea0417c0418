#include "ingest_rules.hpp"

#include <algorithm>

#include "cx/server/sqlite_store.hpp"

namespace cx {

Result<bool> ChainHighs::arrives_late(const StoredRecord& record, const StoredHigh& stored_high) {
    if (record.key.empty()) return false;
    auto [high, fresh] = highs_.try_emplace({record.org, record.device, record.key}, 0);
    if (fresh) {
        auto stored = stored_high(record);
        if (!stored) {
            highs_.erase(high);
            return stored.error();
        }
        high->second = stored.value();
    }
    const bool late = record.seq < high->second;
    high->second = std::max(high->second, record.seq);
    return late;
}

SameId compare_with_stored(const StoredRecord& record, std::string_view stored_canonical) {
    if (stored_canonical == record.canonical) return SameId::Duplicate;
    if (record.key.empty() || !is_sealed_version_of(record.canonical, stored_canonical))
        return SameId::Conflict;
    return SameId::Upgrade;
}

}  // namespace cx
