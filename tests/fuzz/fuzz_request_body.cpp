// The server's request body intake (identity, gzip, deflate), fed in pieces as
// a network would: never more than the limit held, never a crash, and a
// finished body is exactly what the bytes inflate to.
#include <cstdint>
#include <string_view>

#include "cx/server/request_body.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const auto encoding = static_cast<cx::BodyEncoding>((data[0] & 3) % 3);  // low bits: the encoding
    const std::size_t limit = 64 + (data[0] >> 2) * 512;  // 64 B … 32 KiB: bombs hit it quickly
    const std::size_t piece = 1 + data[1] % 64;           // how the bytes arrive
    std::string_view wire(reinterpret_cast<const char*>(data) + 2, size - 2);
    cx::RequestBody body(encoding, limit, 0);
    auto state = cx::RequestBody::State::Reading;
    for (std::size_t at = 0; at < wire.size() && state == cx::RequestBody::State::Reading; at += piece)
        state = body.append(wire.substr(at, piece));
    if (state == cx::RequestBody::State::Reading) state = body.finish();
    cx::fuzz::require(body.text().size() <= limit, "no more than the limit is ever held");
    if (state == cx::RequestBody::State::Reading && encoding == cx::BodyEncoding::Identity)
        cx::fuzz::require(body.text() == wire, "an identity body is the bytes as sent");
    return 0;
}
