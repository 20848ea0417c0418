#pragma once
// HTTP/1.1 header rules cxserver holds every request to before routing it:
// what a proxy and the server could read differently (request smuggling) or
// that no honest client sends is a 400.
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cx {

struct HeaderField {
    std::string_view name;
    std::string_view value;  // as received, may hold any byte
};

// Why this header block is refused, or nullopt when it is acceptable.
std::optional<std::string> strict_header_violation(std::span<const HeaderField> headers);

}  // namespace cx
