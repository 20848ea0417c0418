#include "cx/server/day_state.hpp"

#include "cx/integrity/chain_audit_state.hpp"
#include "cx/integrity/seal.hpp"
#include "cx/scoring/accumulator_state.hpp"
#include "cx/server/server_flags.hpp"

namespace cx {

namespace {

constexpr std::uint8_t kDayStateFormat = 1;

}  // namespace

void DayState::add(Response& record, std::string_view server_flags) {
    if (!record.is_signed()) {
        ++unsigned_records;
        return;
    }
    integrity::Digest prev{};
    integrity::parse_digest(record.prev_hash, prev);  // the record parser checked its form
    // Before the server's flags change what it hashes.
    add(record, server_flags, integrity::record_digest(record), prev);
}

void DayState::add(Response& record, std::string_view server_flags, const integrity::Digest& hash,
                   const integrity::Digest& prev_hash) {
    if (!record.is_signed()) {
        ++unsigned_records;
        return;
    }
    chains.add(record.device, record.key, record.seq, hash, prev_hash);
    add_server_flags(record, server_flags);
    scores.add(record);
}

void DayState::merge(DayState&& other) {
    scores.merge(other.scores);
    chains.merge(std::move(other.chains));
    unsigned_records += other.unsigned_records;
}

std::string encode_day_state(const DayState& state, std::uint64_t fingerprint) {
    std::string bytes;
    ByteWriter out(bytes);
    out.byte(kDayStateFormat);
    write_accumulator_state(state.scores, fingerprint, out);
    out.varint(static_cast<std::uint64_t>(state.unsigned_records));
    integrity::write_chain_audit_state(state.chains, out);
    return bytes;
}

DayStateFit merge_day_state(std::string_view bytes, std::uint64_t fingerprint, DayState& into) {
    ByteReader in(bytes);
    std::uint8_t format = 0;
    if (!in.byte(format) || format != kDayStateFormat) return DayStateFit::Stale;
    // Into a blank state first, so that a state damaged half-way merges nothing.
    DayState part(into.config);
    auto fit = merge_accumulator_state(in, fingerprint, part.scores);
    if (!fit || fit.value() != StateFit::Merged) return DayStateFit::Stale;
    std::uint64_t unsigned_records = 0;
    if (!in.varint(unsigned_records) || unsigned_records > INT64_MAX) return DayStateFit::Stale;
    part.unsigned_records = static_cast<std::int64_t>(unsigned_records);
    if (!integrity::merge_chain_audit_state(in, part.chains) || !in.at_end())
        return DayStateFit::Stale;
    into.merge(std::move(part));
    return DayStateFit::Merged;
}

ScoringDayFolder::ScoringDayFolder(const ScoringConfig& config, std::vector<Response> records)
    : config_(config),
      fingerprint_(accumulator_fingerprint(config.questionnaire, config.policy)),
      records_(std::move(records)) {}

std::string ScoringDayFolder::fold(std::optional<std::string_view> state,
                                   std::span<const StoredRecord> batch,
                                   std::span<const StoredInBatch> stored) {
    DayState day(config_);
    // A stale day stays stale: only its records can say what it holds.
    if (state && merge_day_state(*state, fingerprint_, day) == DayStateFit::Stale) return {};
    for (const auto& record : stored) {
        // The unsigned row it replaces was counted as such; now it is evidence.
        if (record.upgraded) --day.unsigned_records;
        const auto& row = batch[record.index];
        integrity::Digest hash{};
        integrity::Digest prev_hash{};
        integrity::parse_digest(row.hash, hash);  // empty for an unsigned record
        integrity::parse_digest(row.prev_hash, prev_hash);
        day.add(records_[record.index], row.server_flags, hash, prev_hash);
    }
    return encode_day_state(day, fingerprint_);
}

}  // namespace cx
