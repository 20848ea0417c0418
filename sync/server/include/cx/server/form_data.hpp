#pragma once
// application/x-www-form-urlencoded bodies (the console's forms, HTML's own
// encoding): "name=value" pairs joined by '&', '+' for a space, %XX for any byte.
// Every name and value must decode to valid UTF-8; a name given twice is refused
// (which of the two would count is ambiguous); size limits hold before anything
// is decoded. Errors are values (kind Invalid) whose message says what is wrong.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cx/scoring/result.hpp"

namespace cx {

struct FormLimits {
    std::size_t max_body = 16 * 1024;  // bytes as sent
    std::size_t max_fields = 32;
    std::size_t max_name = 64;  // bytes after decoding
};

class FormData {
  public:
    // The fields in the order sent.
    const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
    // The value of `name`, nullopt when the form has no such field.
    std::optional<std::string_view> get(std::string_view name) const;

  private:
    friend Result<FormData> parse_form(std::string_view body, const FormLimits& limits);
    std::vector<std::pair<std::string, std::string>> fields_;
};

Result<FormData> parse_form(std::string_view body, const FormLimits& limits = {});

}  // namespace cx
