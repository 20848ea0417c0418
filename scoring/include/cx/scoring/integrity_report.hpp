#pragma once
// What `cxscore verify` prints: every bad or missing seq of an export, with the
// chains of each device and key. The score report's integrity section
// (cx/scoring/report.hpp) renders the same chains the same way.
#include <cstdint>
#include <string>
#include <vector>

#include "cx/scoring/integrity_summary.hpp"

namespace cx {

struct VerifyReport {
    std::int64_t records = 0;  // lines read
    IntegritySummary integrity;
    std::vector<IntegrityProblem> problems;  // by device, key and seq
    bool intact() const { return integrity.intact(); }
};

// {"intact", "records", "problems": [{device, key, first_seq, last_seq, reason, line}],
//  "integrity": the score report's integrity object}, pretty-printed, newline-terminated.
std::string render_verify_json(const VerifyReport& report);
// One line per problem (device, short key, seq or range, reason, line), then the chains.
std::string render_verify_text(const VerifyReport& report);

}  // namespace cx
