// The backend-neutral half of the day states' upkeep in ingest (server_store.hpp).
#include <map>

#include "cx/server/server_store.hpp"

namespace cx {

std::string_view record_day(std::string_view submitted_at) {
    return submitted_at.substr(0, 10);
}

namespace {

class StaleDayFolder final : public DayStateFolder {
  public:
    std::string fold(std::optional<std::string_view>, std::span<const StoredRecord>,
                     std::span<const StoredInBatch>) override {
        return {};
    }
};

}  // namespace

DayStateFolder& stale_day_folder() {
    static StaleDayFolder folder;
    return folder;
}

Status fold_day_states(std::span<const StoredRecord> batch, std::span<const StoredInBatch> stored,
                       DayStateFolder& folder,
                       const std::function<Result<std::optional<std::string>>(const DayKey&)>& read,
                       const std::function<Status(const DayKey&, std::string_view state)>& write) {
    std::map<DayKey, std::vector<StoredInBatch>> days;
    for (const auto& record : stored) {
        const auto& row = batch[record.index];
        days[{row.org, row.site, row.device, std::string(record_day(row.submitted_at))}].push_back(
            record);
    }
    for (const auto& [key, records] : days) {
        auto state = read(key);
        if (!state) return state.error();
        std::optional<std::string_view> current;
        if (state.value()) current = *state.value();
        if (auto written = write(key, folder.fold(current, batch, records)); !written)
            return written;
    }
    return Ok{};
}

}  // namespace cx
