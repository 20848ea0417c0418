#pragma once
// The Excel export for staff: a responses sheet (one row per response, one
// column per item, Chinese headers) and a summary sheet with the score
// breakdown under the same scoring library and policy as the server.
#include <filesystem>
#include <functional>

#include "cx/config/atomic_file.hpp"
#include "cx/scoring/policy.hpp"
#include "cx/scoring/questionnaire.hpp"
#include "cx/scoring/response.hpp"

namespace cx {

// Fills `out` with the next response (seq order) and returns true, or returns false at the end.
using ResponseSource = std::function<bool(Response& out)>;

struct XlsxExport {
    WrittenFile file;
    std::int64_t records = 0;
};

// Written under a temporary name, fsync'ed and renamed (see atomic_file.hpp).
Result<XlsxExport> write_xlsx_export(const std::filesystem::path& out,
                                     const Questionnaire& questionnaire,
                                     const ScoringPolicy& policy, const ResponseSource& next);

}  // namespace cx
