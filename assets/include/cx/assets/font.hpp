#pragma once
// The kiosk's font: a Simplified Chinese face of a system CJK font, and the
// exact set of glyphs its strings use. Building the atlas from only those
// glyphs keeps startup fast and the texture small; a glyph the font lacks is
// an error naming the string, never a tofu box on screen.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cx/scoring/result.hpp"

namespace cx {

struct FontFace {
    std::filesystem::path path;
    int index = 0;  // face in a .ttc collection
};

// $CXKIOSK_FONT (path, optionally "path#index"), then Noto Sans CJK SC
// (fonts-noto-cjk), then WenQuanYi Micro Hei. Bold: Noto Sans CJK SC Bold.
std::optional<FontFace> find_cjk_font();
std::optional<FontFace> find_cjk_bold_font();

// A read-only memory map of a font file, shared by every size in the atlas.
class MappedFont {
  public:
    static Result<MappedFont> open(const FontFace& face);
    MappedFont(MappedFont&& other) noexcept;
    MappedFont& operator=(MappedFont&&) = delete;
    MappedFont(const MappedFont&) = delete;
    ~MappedFont();

    const FontFace& face() const { return face_; }
    std::span<const unsigned char> bytes() const { return {data_, size_}; }
    bool has_glyph(char32_t codepoint) const;

  private:
    MappedFont(FontFace face, const unsigned char* data, std::size_t size, std::vector<char> info);
    FontFace face_;
    const unsigned char* data_;
    std::size_t size_;
    std::vector<char> info_;  // stbtt_fontinfo, kept opaque here
};

struct NamedText {
    std::string name;  // where the string comes from, for the error message
    std::string_view text;
};

// Sorted unique codepoints of every text plus printable ASCII. Fails, naming
// the string, on invalid UTF-8, a codepoint beyond the BMP, or one a font lacks.
Result<std::vector<char32_t>> used_codepoints(std::span<const NamedText> texts,
                                              std::span<const MappedFont* const> fonts);

// ImGui glyph ranges ([first, last] pairs, zero-terminated) covering `codepoints`.
std::vector<std::uint16_t> glyph_ranges(std::span<const char32_t> codepoints);

}  // namespace cx
