#pragma once
// Streams a JSON Lines file of canonical responses through the integrity checks
// into a ScoreAccumulator: large chunks, no per-line copies, two threads, errors
// in line order.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cx/integrity/record_integrity.hpp"
#include "cx/scoring/result.hpp"
#include "cx/scoring/scoring.hpp"

namespace cx {

struct LineError {
    std::int64_t line = 0;  // 1-based
    std::string message;
};

struct JsonlScan {
    std::int64_t lines = 0;
    std::int64_t error_count = 0;
    std::vector<LineError> errors;  // the first `max_listed_errors`, in line order
};

struct JsonlOptions {
    std::size_t max_listed_errors = 50;
    std::size_t chunk_bytes = 8u << 20;
    bool parallel = true;  // parse each chunk's two halves on two threads
};

// Reads `path` ("-" for standard input): every valid record goes through
// `integrity` (its seal, when keys are known, and its chain) and, unless
// integrity leaves it out, into `accumulator`. The Result's error is for the file
// as a whole (cannot open, read error); bad lines are in JsonlScan::errors and the
// caller must use neither the accumulator nor integrity when error_count > 0.
Result<JsonlScan> score_jsonl_file(const std::filesystem::path& path,
                                   const Questionnaire& questionnaire, const ScoringPolicy& policy,
                                   ScoreAccumulator& accumulator,
                                   integrity::RecordIntegrity& integrity,
                                   const JsonlOptions& options = {});

// The same reading for `cxscore verify`: seals and chains only, no score.
Result<JsonlScan> audit_jsonl_file(const std::filesystem::path& path,
                                   const Questionnaire& questionnaire,
                                   integrity::RecordIntegrity& integrity,
                                   const JsonlOptions& options = {});

}  // namespace cx
