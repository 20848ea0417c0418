#pragma once
// Writes JSON text the canonical way into room reserved for its worst case, so no
// character pays for a capacity check or a call. Shared by the two writers of a
// record's bytes: its canonical line (response.cpp) and its signing bytes (seal.cpp),
// which run for every record the server stores and every record cxscore audits.
#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string_view>
#include <utility>

#include "cx/scoring/response.hpp"

namespace cx {

namespace detail {

// Where among the 16 bytes at `data` the first one a JSON string cannot hold as plain
// ASCII is ('"', '\\', a control character, a byte of a multi-byte character); 16: none.
inline std::size_t first_special_of_16(const char* data) {
    using Bytes = signed char __attribute__((vector_size(16)));  // GCC/Clang, any target
    static_assert(std::endian::native == std::endian::little, "byte order of the halves");
    Bytes bytes;
    std::memcpy(&bytes, data, sizeof bytes);
    // Signed bytes: those of multi-byte characters (0x80 and up) are below 0x20 too.
    Bytes special = (bytes < 0x20) | (bytes == '"') | (bytes == '\\');
    std::uint64_t halves[2];
    std::memcpy(halves, &special, sizeof halves);
    if (halves[0]) return static_cast<std::size_t>(std::countr_zero(halves[0])) / 8;
    if (halves[1]) return 8 + static_cast<std::size_t>(std::countr_zero(halves[1])) / 8;
    return 16;
}

}  // namespace detail

// How many of the first `size` bytes at `data` are plain ASCII a JSON string holds as
// they are: sixteen bytes per step, as every id, time and hex digit of a record is.
inline std::size_t plain_ascii_run(const char* data, std::size_t size) {
    if (size >= 16) {
        std::size_t i = 0;
        for (; i + 16 <= size; i += 16)
            if (auto at = detail::first_special_of_16(data + i); at < 16) return i + at;
        if (i == size) return size;
        // The last 16 bytes, overlapping plain ones already seen.
        auto at = detail::first_special_of_16(data + size - 16);
        return at < 16 ? size - 16 + at : size;
    }
    std::size_t i = 0;
    for (; i < size; ++i) {
        const auto c = static_cast<unsigned char>(data[i]);
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
    }
    return i;
}

class CanonicalWriter {
  public:
    explicit CanonicalWriter(char* to) : at_(to) {}
    char* end() const { return at_; }

    void raw(std::string_view text) {
        std::memcpy(at_, text.data(), text.size());
        at_ += text.size();
    }
    void raw(char c) { *at_++ = c; }

    void string(std::string_view text) {
        raw('"');
        // A short string (an item id, a site) is copied as it is checked; a longer one
        // (ids, times, hex digits) is checked sixteen bytes at a time, then copied.
        std::size_t plain = 0;
        if (text.size() >= 16) {
            plain = plain_ascii_run(text.data(), text.size());
            raw(text.substr(0, plain));
        }
        for (char c : text.substr(plain)) {
            if (kNeedsEscape[static_cast<unsigned char>(c)])
                escaped(c);
            else
                raw(c);
        }
        raw('"');
    }

    // Each key as given (with its quotes, colon and any comma before it), then its string value.
    using TextField = std::pair<std::string_view, std::string_view>;
    void text_fields(std::initializer_list<TextField> fields) {
        for (auto [key, value] : fields) {
            raw(key);
            string(value);
        }
    }

    void integer(std::int64_t value) { at_ = std::to_chars(at_, at_ + kMaxIntegerSize, value).ptr; }

    static constexpr std::size_t kMaxIntegerSize = 20;  // -9223372036854775808
    static constexpr std::size_t kMaxEscapedSize = 6;   // \u00XX
    static std::size_t max_string_size(std::string_view text) {
        return 2 + kMaxEscapedSize * text.size();
    }

  private:
    // What JSON requires escaped: '"', '\\' and control characters.
    static constexpr auto kNeedsEscape = [] {
        std::array<bool, 256> table{};
        for (int c = 0; c < 0x20; ++c) table[c] = true;
        table['"'] = table['\\'] = true;
        return table;
    }();

    void escaped(char c) {
        raw('\\');
        switch (c) {
            case '"':
            case '\\':
                return raw(c);
            case '\n':
                return raw('n');
            case '\r':
                return raw('r');
            case '\t':
                return raw('t');
            default: {
                constexpr char kHex[] = "0123456789abcdef";
                const auto code = static_cast<unsigned char>(c);
                raw("u00");
                raw(kHex[code >> 4]);
                raw(kHex[code & 0xf]);
            }
        }
    }

    char* at_;
};

// Room enough for the record's canonical line, and so for its signing bytes (the
// same fields without "sig").
std::size_t max_canonical_size(const Response& record);

}  // namespace cx
