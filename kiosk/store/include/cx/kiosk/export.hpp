#pragma once
// `cxkiosk export`: the records of a store as JSON Lines (canonical, PRODUCT.md)
// or CSV for people (UTF-8 with BOM, RFC 4180, one column per item; N/A is
// written "N/A", an item not shown to that respondent is left empty).
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "cx/kiosk/store.hpp"
#include "cx/questionnaire.hpp"
#include "cx/result.hpp"

namespace cx::kiosk {

enum class ExportFormat { Jsonl, Csv };
std::optional<ExportFormat> parse_export_format(std::string_view name);

// Writes to a temporary name beside `out`, fsyncs, then renames, so `out` is
// either the old file or the complete new one. Returns the number of records.
Result<std::size_t> export_responses(Store& store, const Questionnaire& questionnaire,
                                     ExportFormat format, const std::filesystem::path& out);

// One RFC 4180 field: quoted when it holds a comma, quote, CR or LF.
void append_csv_field(std::string& out, std::string_view field);

}  // namespace cx::kiosk
