#pragma once
// Parses the text of a hand-written JSON file (an assessment, cxscore's pubkeys
// file): every failure of nlohmann's parser, a number too large for any type
// included, is an "invalid JSON" error at its line. Only for code that links
// nlohmann_json itself.
#include <nlohmann/json.hpp>
#include <string_view>

#include "cx/scoring/json_position.hpp"

namespace cx {

inline Result<nlohmann::json> parse_json_text(std::string_view text) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        return invalid_json_error(text, e.what(), e.byte);
    } catch (const nlohmann::json::out_of_range& e) {
        return number_overflow_error(text, e.what());
    }
}

}  // namespace cx
