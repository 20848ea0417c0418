#include "cx/scoring/integrity_summary.hpp"

#include <algorithm>

namespace cx {

bool DeviceChains::intact() const {
    return std::all_of(keys.begin(), keys.end(), [](const KeyChain& k) { return k.intact(); });
}

bool IntegritySummary::intact() const {
    return excluded.empty() && std::all_of(devices.begin(), devices.end(),
                                           [](const DeviceChains& d) { return d.intact(); });
}

}  // namespace cx
