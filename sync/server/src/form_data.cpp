#include "cx/server/form_data.hpp"

#include <simdjson.h>

#include <algorithm>

namespace cx {

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// One name or value as sent → its bytes; `what` names it in the error.
Result<std::string> decode_component(std::string_view sent, std::string_view what) {
    std::string decoded;
    decoded.reserve(sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
        const char c = sent[i];
        if (c == '+') {
            decoded.push_back(' ');
        } else if (c == '%') {
            const bool two_follow = i + 2 < sent.size();
            const int high = two_follow ? hex_digit(sent[i + 1]) : -1;
            const int low = two_follow ? hex_digit(sent[i + 2]) : -1;
            if (high < 0 || low < 0)
                return Error{std::string(what) + ": '%' must be followed by two hex digits"};
            decoded.push_back(static_cast<char>(high * 16 + low));
            i += 2;
        } else {
            decoded.push_back(c);
        }
    }
    if (!simdjson::validate_utf8(decoded.data(), decoded.size()))
        return Error{std::string(what) + " is not valid UTF-8"};
    return decoded;
}

}  // namespace

std::optional<std::string_view> FormData::get(std::string_view name) const {
    auto found = std::find_if(fields_.begin(), fields_.end(),
                              [name](const auto& field) { return field.first == name; });
    if (found == fields_.end()) return std::nullopt;
    return found->second;
}

Result<FormData> parse_form(std::string_view body, const FormLimits& limits) {
    if (body.size() > limits.max_body)
        return Error{"form over " + std::to_string(limits.max_body) + " bytes"};
    FormData form;
    std::size_t start = 0;
    while (start <= body.size()) {
        auto end = std::min(body.find('&', start), body.size());
        auto pair = body.substr(start, end - start);
        start = end + 1;
        if (pair.empty()) continue;  // "a=1&&b=2", a trailing '&': browsers send none, tolerated
        if (form.fields_.size() == limits.max_fields)
            return Error{"form has more than " + std::to_string(limits.max_fields) + " fields"};
        auto equals = pair.find('=');
        auto name = decode_component(pair.substr(0, equals), "a field name");
        if (!name) return name.error();
        if (name.value().empty()) return Error{"a field has no name"};
        if (name.value().size() > limits.max_name)
            return Error{"a field name is over " + std::to_string(limits.max_name) + " bytes"};
        auto value = decode_component(
            equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1),
            "the value of " + name.value());
        if (!value) return value.error();
        if (form.get(name.value()))
            return Error{"field " + name.value() + " is given more than once"};
        form.fields_.emplace_back(std::move(name.value()), std::move(value.value()));
    }
    return form;
}

}  // namespace cx
