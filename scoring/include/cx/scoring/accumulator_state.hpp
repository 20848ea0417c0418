#pragma once
// A ScoreAccumulator's exact state as bytes, to be stored and merged later (the
// server keeps one per org, site, device and day). Every integer bucket, item tally
// and exclusion count is kept, so merging the states of parts gives the very report
// adding every record to one accumulator gives.
//
// A state is stamped with the fingerprint of the questionnaire and policy it was
// computed under: its buckets mean nothing under another config (other weights, α,
// items, exclusions), so a reader with another config refuses it and rebuilds the
// tallies from the records instead.
#include <cstdint>
#include <string>
#include <string_view>

#include "cx/scoring/byte_codec.hpp"
#include "cx/scoring/scoring.hpp"

namespace cx {

// What an accumulator's tallies depend on: the questionnaire's characteristics and
// items (ids, order, weights) and the policy's α and exclusions, with the state
// format's version. FNV-1a over a canonical description of them: it tells configs
// apart, it is no protection against someone forging a state (the store is trusted).
std::uint64_t accumulator_fingerprint(const Questionnaire& questionnaire,
                                      const ScoringPolicy& policy);

// Appends `accumulator`'s state, stamped with `fingerprint` (of the accumulator's own
// questionnaire and policy).
void write_accumulator_state(const ScoreAccumulator& accumulator, std::uint64_t fingerprint,
                             ByteWriter& out);

enum class StateFit {
    Merged,       // read and merged
    OtherConfig,  // stamped with another fingerprint (or format): nothing merged
};
// Reads one state written by write_accumulator_state and merges it into `into` when
// its stamp is `fingerprint`. An error (nothing merged) when the bytes are damaged or
// do not fit the accumulator's shape.
Result<StateFit> merge_accumulator_state(ByteReader& in, std::uint64_t fingerprint,
                                         ScoreAccumulator& into);

}  // namespace cx
