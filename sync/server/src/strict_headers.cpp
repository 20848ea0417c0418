#include "cx/server/strict_headers.hpp"

#include <strings.h>
#include <algorithm>
#include <array>

namespace cx {

namespace {

bool has_control_character(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        auto byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && byte != '\t') || byte == 0x7f;
    });
}

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool is_decimal(std::string_view text) {
    return !text.empty() && text.size() <= 18 &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Headers that mean one thing each: a second copy is ambiguous.
constexpr std::array<std::string_view, 6> kSingletons = {
    "Content-Length", "Transfer-Encoding", "Authorization", "Content-Encoding", "Host", "Expect"};

}  // namespace

std::optional<std::string> strict_header_violation(std::span<const HeaderField> headers) {
    std::array<int, kSingletons.size()> seen{};
    const HeaderField* content_length = nullptr;
    const HeaderField* transfer_encoding = nullptr;
    for (const auto& field : headers) {
        if (has_control_character(field.name) || has_control_character(field.value))
            return "a control character in header " + std::string(field.name.substr(0, 64));
        for (std::size_t i = 0; i < kSingletons.size(); ++i)
            if (same_name(field.name, kSingletons[i]) && ++seen[i] > 1)
                return "header " + std::string(kSingletons[i]) + " given more than once";
        if (same_name(field.name, "Content-Length")) content_length = &field;
        if (same_name(field.name, "Transfer-Encoding")) transfer_encoding = &field;
    }
    if (content_length && !is_decimal(content_length->value))
        return "Content-Length must be decimal digits only";
    if (content_length && transfer_encoding) return "Content-Length and Transfer-Encoding together";
    if (transfer_encoding && !same_name(transfer_encoding->value, "chunked"))
        return "Transfer-Encoding other than chunked";
    return std::nullopt;
}

}  // namespace cx
