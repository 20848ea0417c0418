#pragma once
// Line numbers for errors in hand-written JSON files (the assessment, cxscore's
// pubkeys file): nlohmann::json keeps no positions, so an error about a key is
// placed by finding the key in the text.
#include <cstddef>
#include <string>
#include <string_view>

#include "cx/scoring/result.hpp"

namespace cx {

// 1-based line of byte `offset` in `text`.
long line_at(std::string_view text, std::size_t offset);
// Offset of `"key"` used as an object key (followed by ':'), searching from `from`; npos if none.
std::size_t find_key(std::string_view text, std::string_view key, std::size_t from = 0);
// An Invalid error at the line of `key` (searched from `from`), line 1 when it is not found.
Error error_at_key(std::string_view text, std::string_view key, std::string message,
                   std::size_t from = 0);
// "invalid JSON: …" at the line of the byte nlohmann's parse_error stopped at; `what` is
// its what(): "[json.exception.parse_error.101] parse error at line 3, column 5: …".
Error invalid_json_error(std::string_view text, const std::string& what, std::size_t byte);
// "invalid JSON: number overflow …" for nlohmann's out_of_range while parsing (a number
// too large for any type, e.g. 1e999), at the line of the number it names.
Error number_overflow_error(std::string_view text, const std::string& what);

}  // namespace cx
