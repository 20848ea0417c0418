#include "cx/scoring/json_position.hpp"

#include <algorithm>

namespace cx {

long line_at(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    return 1 + static_cast<long>(
                   std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
}

std::size_t find_key(std::string_view text, std::string_view key, std::size_t from) {
    std::string quoted = "\"" + std::string(key) + "\"";
    for (auto at = text.find(quoted, from); at != std::string_view::npos;
         at = text.find(quoted, at + 1)) {
        auto after = text.find_first_not_of(" \t\r\n", at + quoted.size());
        if (after != std::string_view::npos && text[after] == ':') return at;
    }
    return std::string_view::npos;
}

Error error_at_key(std::string_view text, std::string_view key, std::string message,
                   std::size_t from) {
    auto at = find_key(text, key, from);
    return Error{std::move(message), at == std::string_view::npos ? 1 : line_at(text, at)};
}

Error invalid_json_error(std::string_view text, const std::string& what, std::size_t byte) {
    auto colon = what.find(": ");
    return Error{"invalid JSON: " + (colon == std::string::npos ? what : what.substr(colon + 2)),
                 line_at(text, byte == 0 ? 0 : byte - 1)};
}

Error number_overflow_error(std::string_view text, const std::string& what) {
    // what(): "[json.exception.out_of_range.406] number overflow parsing '1e999'"
    auto quote = what.find('\'');
    auto number = quote == std::string::npos
                      ? std::string_view{}
                      : std::string_view(what).substr(quote + 1, what.size() - quote - 2);
    auto at = number.empty() ? std::string_view::npos : text.find(number);
    auto message = what.substr(what.find("] ") == std::string::npos ? 0 : what.find("] ") + 2);
    return Error{"invalid JSON: " + message, at == std::string_view::npos ? 1 : line_at(text, at)};
}

}  // namespace cx
