#include "cx/scoring/byte_codec.hpp"

#include <algorithm>

namespace cx {

void ByteWriter::varint(std::uint64_t value) {
    while (value >= 0x80) {
        out_.push_back(static_cast<char>((value & 0x7f) | 0x80));
        value >>= 7;
    }
    out_.push_back(static_cast<char>(value));
}

void ByteWriter::signed_varint(std::int64_t value) {
    auto bits = static_cast<std::uint64_t>(value);
    varint((bits << 1) ^ (value < 0 ? ~std::uint64_t{0} : 0));
}

void ByteWriter::text(std::string_view value) {
    varint(value.size());
    out_.append(value);
}

void ByteWriter::block(std::span<const unsigned char> bytes) {
    out_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

bool ByteReader::byte(std::uint8_t& value) {
    if (in_.empty()) return false;
    value = static_cast<std::uint8_t>(in_.front());
    in_.remove_prefix(1);
    return true;
}

bool ByteReader::varint(std::uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        std::uint8_t next = 0;
        if (!byte(next)) return false;
        value |= std::uint64_t{next & 0x7fu} << shift;
        if (!(next & 0x80)) return shift < 63 || next <= 1;  // the 10th byte holds one bit
    }
    return false;
}

bool ByteReader::signed_varint(std::int64_t& value) {
    std::uint64_t bits = 0;
    if (!varint(bits)) return false;
    value = static_cast<std::int64_t>((bits >> 1) ^ (~(bits & 1) + 1));
    return true;
}

bool ByteReader::text(std::string& value) {
    std::uint64_t size = 0;
    if (!varint(size) || size > in_.size()) return false;
    value.assign(in_.substr(0, size));
    in_.remove_prefix(size);
    return true;
}

bool ByteReader::block(std::span<unsigned char> bytes) {
    if (bytes.size() > in_.size()) return false;
    std::copy_n(in_.begin(), bytes.size(), reinterpret_cast<char*>(bytes.data()));
    in_.remove_prefix(bytes.size());
    return true;
}

bool ByteReader::count(std::uint64_t& value, std::size_t min_item_bytes) {
    return varint(value) && value <= in_.size() / std::max<std::size_t>(min_item_bytes, 1);
}

}  // namespace cx
