// The scoring configuration and assessment loaders (cxscore, cxserver, the
// kiosk read them from files an operator edits): the first byte picks the
// loader, the rest is its JSON text. Any text gives a value or an error.
#include <cstdint>
#include <string_view>

#include "cx/scoring/policy.hpp"
#include "cx/scoring/questionnaire.hpp"
#include "cx/scoring/scoring.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view json(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 4) {
        case 0:
            (void)cx::parse_questionnaire(json);
            break;
        case 1:
            (void)cx::parse_policy(json);
            break;
        case 2:
            (void)cx::parse_management(json);
            break;
        default:
            (void)cx::parse_assessment(json, cx::fuzz::shipped_config().management);
    }
    return 0;
}
