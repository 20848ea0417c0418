#pragma once
// The Excel workbook of a set of responses, for people: a responses sheet (one row
// per response, one column per item, Chinese and English headers) and a summary
// sheet with the score's breakdown under the scoring library and policy. The
// kiosk's staff export and the console's export write it; each may add columns of
// its own after the record's (the kiosk: where the upload stands) and lines of its
// own at the top of the summary (the console: organisation and period).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cx/scoring/policy.hpp"
#include "cx/scoring/questionnaire.hpp"
#include "cx/scoring/response.hpp"
#include "cx/scoring/result.hpp"
#include "cx/scoring/scoring.hpp"

namespace cx {

// One row of the responses sheet: the response and the values of the extra columns.
struct WorkbookRow {
    Response response;
    std::vector<std::string> extra;
};

// Fills `out` with the next row and returns true, returns false at the end, or the
// error that ended the source early.
using WorkbookSource = std::function<Result<bool>(WorkbookRow& out)>;

// The summary sheet's score once every row is written: given (the server's score
// of the same selection, its integrity exclusions applied), or, when empty, the
// score of the rows themselves.
using WorkbookSummary = std::function<Result<ScoreSummary>()>;

struct WorkbookLayout {
    std::span<const std::string_view> extra_headers;         // after the record's columns
    std::vector<std::pair<std::string, std::string>> facts;  // label, value: atop the summary
};

// Writes the workbook at `path` (not atomically: the caller publishes or sends it).
// Returns the number of response rows. Errors: Invalid for more responses than an
// Excel sheet holds; Io for the source's or a file that could not be written (with
// the system's reason: a full disk…).
Result<std::int64_t> write_responses_workbook(const std::filesystem::path& path,
                                              const Questionnaire& questionnaire,
                                              const ScoringPolicy& policy,
                                              const WorkbookLayout& layout,
                                              const WorkbookSource& next,
                                              const WorkbookSummary& summary = {});

}  // namespace cx
