#pragma once
// Responses as CSV for people (PRODUCT.md): UTF-8 with a BOM (Excel then reads
// UTF-8), RFC 4180 quoting, CRLF line ends, one column per item (a level, "N/A",
// or empty when the item was not shown). The kiosk's and the server's exports both
// write it; each may add columns of its own after the record's (the kiosk: where
// the upload stands).
#include <span>
#include <string>
#include <string_view>

#include "cx/scoring/questionnaire.hpp"
#include "cx/scoring/response.hpp"

namespace cx {

// One RFC 4180 field: quoted when it holds a comma, quote, CR or LF.
void append_csv_field(std::string& out, std::string_view field);

// The BOM and the header line: the record's fields, `extra` names, then the item ids.
void append_csv_header(std::string& out, const Questionnaire& questionnaire,
                       std::span<const std::string_view> extra = {});

// One response's line; `extra` holds the values of the header's extra columns.
void append_csv_row(std::string& out, const Response& response, const Questionnaire& questionnaire,
                    std::span<const std::string> extra = {});

}  // namespace cx
