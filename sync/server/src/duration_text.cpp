#include "cx/server/duration_text.hpp"

#include <charconv>
#include <string>

namespace cx {

Result<std::chrono::seconds> parse_duration(std::string_view text) {
    auto invalid = [&] {
        return make_error(ErrorKind::Invalid, "\"" + std::string(text.substr(0, 32)) +
                                                  "\" is not a duration like 90s, 30m, 2h or 1d");
    };
    if (text.size() < 2) return invalid();
    std::int64_t unit = 0;
    switch (text.back()) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        default:
            return invalid();
    }
    auto digits = text.substr(0, text.size() - 1);
    std::int64_t count = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
    // At most a year: longer is no setting any command here takes (nor overflows).
    if (error != std::errc{} || end != digits.data() + digits.size() || count <= 0 ||
        count > 366 * 86400 / unit)
        return invalid();
    return std::chrono::seconds{count * unit};
}

}  // namespace cx
