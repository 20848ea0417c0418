#pragma once
// gzip for request bodies (the kiosk compresses each batch before upload; the
// server inflates it step by step, cx::RequestBody).
#include <string>
#include <string_view>

#include "cx/scoring/result.hpp"

namespace cx {

Result<std::string> gzip_compress(std::string_view data);

}  // namespace cx
