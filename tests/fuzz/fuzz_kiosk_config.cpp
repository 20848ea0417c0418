// The kiosk's settings file (edited by a site's technician): any text gives a
// configuration that validates, or an error; never a crash.
#include <cstdint>
#include <string_view>

#include "cx/kiosk/kiosk_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view json(reinterpret_cast<const char*>(data), size);
    auto config = cx::kiosk::parse_kiosk_config(json, "/var/lib/cxkiosk");
    if (config) (void)cx::kiosk::validate(config.value());
    return 0;
}
