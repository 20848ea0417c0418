#include "cx/server/request_body.hpp"

#include <algorithm>
#include <array>

namespace cx {

std::optional<BodyEncoding> parse_content_encoding(std::string_view header) {
    std::string lower;
    for (char c : header)
        if (c != ' ' && c != '\t') lower.push_back(static_cast<char>(c | 0x20));
    if (lower.empty() || lower == "identity") return BodyEncoding::Identity;
    if (lower == "gzip" || lower == "x-gzip") return BodyEncoding::Gzip;
    if (lower == "deflate") return BodyEncoding::Deflate;
    return std::nullopt;
}

RequestBody::RequestBody(BodyEncoding encoding, std::size_t limit, std::size_t expected)
    : encoding_(encoding), limit_(limit) {
    if (encoding_ == BodyEncoding::Identity) {
        text_.reserve(std::min(expected, limit_));
        return;
    }
    // 15 + 32: zlib detects the gzip or zlib wrapper itself ("deflate" in HTTP is zlib).
    inflating_ = inflateInit2(&zlib_, 15 + 32) == Z_OK;
    if (!inflating_) state_ = State::Corrupt;
}

RequestBody::~RequestBody() {
    if (inflating_) inflateEnd(&zlib_);
}

RequestBody::State RequestBody::append(std::string_view wire) {
    if (state_ != State::Reading) return state_;
    wire_bytes_ += wire.size();
    if (wire_bytes_ > limit_) return state_ = State::TooLarge;
    if (encoding_ == BodyEncoding::Identity) {
        text_.append(wire);
        return state_;
    }
    return state_ = inflate_some(wire);
}

RequestBody::State RequestBody::inflate_some(std::string_view wire) {
    if (stream_ended_) return wire.empty() ? State::Reading : State::Corrupt;
    zlib_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(wire.data()));
    zlib_.avail_in = static_cast<uInt>(wire.size());
    std::array<char, 16384> chunk;
    // Until the input is used up and zlib holds no inflated bytes back (a full chunk).
    do {
        zlib_.next_out = reinterpret_cast<Bytef*>(chunk.data());
        zlib_.avail_out = static_cast<uInt>(chunk.size());
        int status = inflate(&zlib_, Z_NO_FLUSH);
        if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR)
            return State::Corrupt;
        std::size_t produced = chunk.size() - zlib_.avail_out;
        if (text_.size() + produced > limit_) return State::TooLarge;
        text_.append(chunk.data(), produced);
        if (status == Z_STREAM_END) {
            stream_ended_ = true;
            return zlib_.avail_in == 0 ? State::Reading : State::Corrupt;
        }
        if (status == Z_BUF_ERROR && produced == 0) break;  // needs more input
    } while (zlib_.avail_in > 0 || zlib_.avail_out == 0);
    return State::Reading;
}

RequestBody::State RequestBody::finish() {
    if (state_ == State::Reading && encoding_ != BodyEncoding::Identity && !stream_ended_)
        state_ = State::Corrupt;
    return state_;
}

void RequestBody::release() {
    std::string().swap(text_);
}

}  // namespace cx
