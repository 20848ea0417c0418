#pragma once
// A compact, exact binary form for tallies that are stored and merged later (the
// server's day states): unsigned LEB128 varints, zigzag for signed values,
// length-prefixed strings and fixed-size byte blocks. The reader never reads past
// its input; a short or malformed input is an error, not a crash.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "cx/scoring/result.hpp"

namespace cx {

class ByteWriter {
  public:
    explicit ByteWriter(std::string& out) : out_(out) {}
    void byte(std::uint8_t value) { out_.push_back(static_cast<char>(value)); }
    void varint(std::uint64_t value);
    void signed_varint(std::int64_t value);            // zigzag: small magnitudes stay short
    void text(std::string_view value);                 // length, then the bytes
    void block(std::span<const unsigned char> bytes);  // fixed size: no length

  private:
    std::string& out_;
};

class ByteReader {
  public:
    explicit ByteReader(std::string_view in) : in_(in) {}
    // Each returns false, leaving the value unspecified, when the input ends early
    // or is malformed.
    [[nodiscard]] bool byte(std::uint8_t& value);
    [[nodiscard]] bool varint(std::uint64_t& value);
    [[nodiscard]] bool signed_varint(std::int64_t& value);
    [[nodiscard]] bool text(std::string& value);
    [[nodiscard]] bool block(std::span<unsigned char> bytes);
    // A count of items that each take at least `min_item_bytes`: bounded by what
    // is left, so a damaged count cannot make a reader reserve gigabytes.
    [[nodiscard]] bool count(std::uint64_t& value, std::size_t min_item_bytes = 1);
    bool at_end() const { return in_.empty(); }
    std::string_view rest() const { return in_; }

  private:
    std::string_view in_;
};

}  // namespace cx
