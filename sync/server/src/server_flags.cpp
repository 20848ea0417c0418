#include "cx/server/server_flags.hpp"

#include <map>
#include <optional>
#include <tuple>

namespace cx {

std::string ServerFlags::json() const {
    std::string out = "[";
    for (auto [set, name] : {std::pair{burst, "\"burst\""}, std::pair{clock, "\"clock\""},
                             std::pair{speeder, "\"speeder\""}}) {
        if (!set) continue;
        if (out.size() > 1) out += ',';
        out += name;
    }
    return out + "]";
}

ServerFlags record_server_flags(const Response& record, std::chrono::sys_seconds now,
                                const ScoringPolicy& policy) {
    ServerFlags flags;
    auto submitted = parse_utc_timestamp(record.submitted_at);  // checked by the parser
    flags.clock = submitted && *submitted > now + kClockTolerance;
    // As the kiosk decides it (SCORING.md §4): every answered item, N/A included.
    const double minimum_ms =
        policy.speeder_seconds_per_item * 1000.0 * static_cast<double>(record.answers.size());
    flags.speeder = record.status == ResponseStatus::Complete &&
                    static_cast<double>(record.duration_ms) < minimum_ms;
    return flags;
}

namespace {

using Chain = std::tuple<std::string_view, std::string_view, std::string_view>;

// The previous complete record's submitted_at for chain records in one batch.
class PreviousComplete {
  public:
    PreviousComplete(ServerStore& store, std::span<const StoredRecord> batch)
        : store_(store), batch_(batch) {
        for (std::size_t i = 0; i < batch.size(); ++i)
            if (!batch[i].key.empty())
                by_seq_[{batch[i].org, batch[i].device, batch[i].key}][batch[i].seq] = i;
    }

    Result<std::optional<std::string>> before(std::size_t index) {
        const auto& record = batch_[index];
        const Chain chain{record.org, record.device, record.key};
        const auto& in_batch = by_seq_[chain];
        auto seq = record.seq - 1;
        for (auto found = in_batch.find(seq); found != in_batch.end(); found = in_batch.find(--seq))
            if (batch_[found->second].complete)
                return std::optional<std::string>{batch_[found->second].submitted_at};
        if (seq < 1) return std::optional<std::string>{};
        auto& cached = from_store_[chain];
        if (auto known = cached.find(seq); known != cached.end()) return known->second;
        auto stored = store_.last_complete_at_or_before(record.org, record.device, record.key, seq);
        if (!stored) return stored.error();
        cached.emplace(seq, stored.value());
        return stored;
    }

  private:
    ServerStore& store_;
    std::span<const StoredRecord> batch_;
    std::map<Chain, std::map<std::int64_t, std::size_t>> by_seq_;
    std::map<Chain, std::map<std::int64_t, std::optional<std::string>>> from_store_;
};

}  // namespace

Status mark_bursts(ServerStore& store, std::span<const StoredRecord> batch,
                   std::span<ServerFlags> flags, const ScoringPolicy& policy) {
    PreviousComplete previous(store, batch);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (!batch[i].complete || batch[i].key.empty()) continue;
        auto before = previous.before(i);
        if (!before) return before.error();
        if (!before.value()) continue;
        auto earlier = parse_utc_timestamp(*before.value());
        auto submitted = parse_utc_timestamp(batch[i].submitted_at);
        if (!earlier || !submitted) continue;
        const auto gap = static_cast<double>((*submitted - *earlier).count());
        flags[i].burst = gap >= 0 && gap < policy.burst_seconds;
    }
    return Ok{};
}

void add_server_flags(Response& record, std::string_view server_flags) {
    for (std::string_view flag : {"burst", "speeder"})
        if (server_flags.find("\"" + std::string(flag) + "\"") != std::string_view::npos)
            record.flags.emplace_back(flag);
    canonicalize(record);
}

}  // namespace cx
