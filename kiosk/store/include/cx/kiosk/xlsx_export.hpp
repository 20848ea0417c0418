#pragma once
// The Excel export for staff: a responses sheet (one row per response, one
// column per item, Chinese headers) and a summary sheet with the score
// breakdown under the same scoring library and policy as the server.
#include <filesystem>
#include <functional>
#include <string>

#include "cx/config/atomic_file.hpp"
#include "cx/scoring/policy.hpp"
#include "cx/scoring/questionnaire.hpp"
#include "cx/scoring/response.hpp"

namespace cx {

// One row of the responses sheet: the response and where its upload stands.
struct ExportRow {
    Response response;
    std::string upload_state;  // waiting, sent or refused
    std::string refusal;       // the server's latest refusal as "code: detail", or empty
};

// Fills `out` with the next row (seq order) and returns true, returns false at
// the end, or the error that ended the source early.
using ResponseSource = std::function<Result<bool>(ExportRow& out)>;

struct XlsxExport {
    WrittenFile file;
    std::int64_t records = 0;
};

// Written under a temporary name, fsync'ed and renamed (see atomic_file.hpp).
// On any failure (the source's error, a full or vanished medium) nothing at
// `out` changes and the temporary file is gone; the error's kind is Io.
// `before_publish` as AtomicFileWriter::commit calls it.
Result<XlsxExport> write_xlsx_export(const std::filesystem::path& out,
                                     const Questionnaire& questionnaire,
                                     const ScoringPolicy& policy, const ResponseSource& next,
                                     const BeforePublish& before_publish = {});

}  // namespace cx
