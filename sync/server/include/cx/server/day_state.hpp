#pragma once
// What the server keeps per org, site, device and UTC day (server_store.hpp "Day
// states"): the exact, mergeable score and chain-audit state of the day's records
// and how many of them are unsigned. Backend-neutral: the stores keep the bytes.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cx/config/config_files.hpp"
#include "cx/integrity/chain_audit.hpp"
#include "cx/scoring/scoring.hpp"
#include "cx/server/server_store.hpp"

namespace cx {

struct DayState {
    explicit DayState(const ScoringConfig& scoring)
        : config(scoring), scores(scoring.questionnaire, scoring.policy) {}

    const ScoringConfig& config;  // must outlive the state

    ScoreAccumulator scores;       // signed records, excluded by their own and the server's flags
    integrity::ChainAudit chains;  // signed records, as they were sealed
    std::int64_t unsigned_records = 0;  // stored before integrity: not evidence, not scored

    // A record as the store keeps it, parsed; its server_flags as stored.
    void add(Response& record, std::string_view server_flags);
    // The same, with the record's hash and prev_hash already known (the ingest's
    // StoredRecord has them: hashing the record again costs more than the rest).
    void add(Response& record, std::string_view server_flags, const integrity::Digest& hash,
             const integrity::Digest& prev_hash);
    void merge(DayState&& other);
};

// The bytes a store keeps: format, the accumulator's state (stamped with the
// config's fingerprint), unsigned count, the chain audit's state.
std::string encode_day_state(const DayState& state, std::uint64_t fingerprint);

enum class DayStateFit {
    Merged,  // merged into the target
    Stale,   // empty, another config's or damaged: rebuild the day from its records
};
// Merges stored bytes into `into` when they fit `fingerprint`; nothing otherwise.
DayStateFit merge_day_state(std::string_view bytes, std::uint64_t fingerprint, DayState& into);

// The folder ApiService::ingest gives the store: `records` are the batch's records as
// parsed, aligned with the batch (their server_flags are the batch rows').
class ScoringDayFolder final : public DayStateFolder {
  public:
    ScoringDayFolder(const ScoringConfig& config, std::vector<Response> records);
    std::string fold(std::optional<std::string_view> state, std::span<const StoredRecord> batch,
                     std::span<const StoredInBatch> stored) override;

  private:
    const ScoringConfig& config_;
    std::uint64_t fingerprint_;
    std::vector<Response> records_;
};

}  // namespace cx
