// The console's form parser (application/x-www-form-urlencoded) on any bytes:
// never a crash, every accepted field is valid UTF-8 within the limits, no name
// twice, and a form that only holds safe characters decodes to itself.
#include <cstdint>
#include <set>
#include <string_view>

#include <simdjson.h>

#include "cx/server/form_data.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    const cx::FormLimits limits{.max_body = 4096, .max_fields = 16, .max_name = 32};
    auto form = cx::parse_form(body, limits);
    if (!form) {
        cx::fuzz::require(!form.error().message.empty(), "a refusal says what is wrong");
        return 0;
    }
    const auto& fields = form.value().fields();
    cx::fuzz::require(body.size() <= limits.max_body, "no form over the limit is accepted");
    cx::fuzz::require(fields.size() <= limits.max_fields, "no more fields than the limit");
    std::set<std::string_view> names;
    std::size_t decoded = 0;
    for (const auto& [name, value] : fields) {
        cx::fuzz::require(!name.empty() && name.size() <= limits.max_name, "names within limits");
        cx::fuzz::require(names.insert(name).second, "no name twice");
        cx::fuzz::require(simdjson::validate_utf8(name.data(), name.size()) &&
                              simdjson::validate_utf8(value.data(), value.size()),
                          "every field is valid UTF-8");
        cx::fuzz::require(form.value().get(name) == value, "get finds each field");
        decoded += name.size() + value.size();
    }
    cx::fuzz::require(decoded <= body.size(), "decoding never grows the text");
    return 0;
}
