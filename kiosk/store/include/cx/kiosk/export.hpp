#pragma once
// Exports of the store: JSON Lines (the canonical records unchanged, PRODUCT.md:
// byte-identical to the server's export of the same records), CSV for people
// (cx/scoring/csv_rows.hpp: UTF-8 with BOM, RFC 4180, one column per item; N/A is
// written "N/A", an item not shown to that respondent is left empty) and XLSX (responses sheet
// with Chinese item headers + score summary sheet). CSV and XLSX rows also
// say where the upload stands: `upload_state` (waiting/sent/refused) and
// `refusal` (the server's latest "code: detail", empty if never refused). Every file is written
// atomically with its SHA-256 (cx::AtomicFileWriter) and recorded in the
// audit log as an `export` event before it takes its name: when the audit log
// cannot be written (the data dir is full) no file appears.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "cx/config/atomic_file.hpp"
#include "cx/kiosk/store.hpp"
#include "cx/scoring/policy.hpp"
#include "cx/scoring/questionnaire.hpp"
#include "cx/scoring/result.hpp"

namespace cx::kiosk {

enum class ExportFormat { Jsonl, Csv, Xlsx };
inline constexpr ExportFormat kExportFormats[] = {ExportFormat::Jsonl, ExportFormat::Csv,
                                                  ExportFormat::Xlsx};
std::optional<ExportFormat> parse_export_format(std::string_view name);
std::string_view to_string(ExportFormat format);  // also the file extension

struct ExportResult {
    std::int64_t records = 0;
    WrittenFile file;  // path, bytes, sha256
};

// `out` is either left as it was or replaced by the complete new file, and no
// temporary file stays behind. A failed export (the store cannot be read, the
// medium is full or gone) is an Io error with the reason; an audit log that
// cannot be written is the store's error kind (Store). The audit event's
// detail is {"file","format","records","bytes","sha256"}.
Result<ExportResult> export_responses(Store& store, const Questionnaire& questionnaire,
                                      const ScoringPolicy& policy, ExportFormat format,
                                      const std::filesystem::path& out);

// The file name a staff export gets in its folder: cxkiosk-<device>-<UTC time>.<format>.
std::string export_file_name(std::string_view device, ExportFormat format,
                             std::chrono::system_clock::time_point now);

}  // namespace cx::kiosk
