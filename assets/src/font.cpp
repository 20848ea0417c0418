#include "cx/assets/font.hpp"

#include <fcntl.h>
#include <stb_truetype.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace cx {

namespace {

std::optional<FontFace> first_existing(std::initializer_list<FontFace> candidates) {
    for (const auto& face : candidates) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(face.path, ec)) return face;
    }
    return std::nullopt;
}

std::optional<FontFace> from_environment() {
    const char* env = std::getenv("CXKIOSK_FONT");
    if (!env || !*env) return std::nullopt;
    std::string_view spec(env);
    FontFace face{std::string(spec), 0};
    if (auto hash = spec.rfind('#'); hash != std::string_view::npos) {
        face.path = std::string(spec.substr(0, hash));
        face.index = std::atoi(std::string(spec.substr(hash + 1)).c_str());
    }
    return face;
}

// Decodes one UTF-8 sequence; nullopt for malformed input.
std::optional<char32_t> next_codepoint(std::string_view text, std::size_t& pos) {
    const auto lead = static_cast<unsigned char>(text[pos]);
    int length = lead < 0x80           ? 1
                 : (lead >> 5) == 0x6  ? 2
                 : (lead >> 4) == 0xE  ? 3
                 : (lead >> 3) == 0x1E ? 4
                                       : 0;
    if (length == 0 || pos + static_cast<std::size_t>(length) > text.size()) return std::nullopt;
    char32_t cp = length == 1 ? lead : lead & (0x7F >> length);
    for (int i = 1; i < length; ++i) {
        const auto byte = static_cast<unsigned char>(text[pos + static_cast<std::size_t>(i)]);
        if ((byte & 0xC0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (byte & 0x3F);
    }
    pos += static_cast<std::size_t>(length);
    return cp;
}

std::string hex(char32_t cp) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(cp));
    return buffer;
}

}  // namespace

std::optional<FontFace> find_cjk_font() {
    if (auto face = from_environment()) return face;
    return first_existing({{"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2},
                           {"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0}});
}

std::optional<FontFace> find_cjk_bold_font() {
    if (from_environment()) return std::nullopt;  // the override is one face for everything
    return first_existing({{"/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2}});
}

Result<MappedFont> MappedFont::open(const FontFace& face) {
    const auto name = face.path.string();
    const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error{name + ": cannot open font: " + std::strerror(errno)};
    struct stat info {};
    if (::fstat(fd, &info) != 0 || info.st_size <= 0) {
        ::close(fd);
        return Error{name + ": cannot read font"};
    }
    const auto size = static_cast<std::size_t>(info.st_size);
    void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (data == MAP_FAILED) return Error{name + ": cannot map font: " + std::strerror(errno)};
    // Only a few tables and the used glyphs are read: no read-ahead of the 20 MB file.
    ::madvise(data, size, MADV_RANDOM);
    const auto* bytes = static_cast<const unsigned char*>(data);
    const int offset = stbtt_GetFontOffsetForIndex(bytes, face.index);
    std::vector<char> font_info(sizeof(stbtt_fontinfo));
    if (offset < 0 ||
        !stbtt_InitFont(reinterpret_cast<stbtt_fontinfo*>(font_info.data()), bytes, offset)) {
        ::munmap(data, size);
        return Error{name + ": not a font with face " + std::to_string(face.index)};
    }
    return MappedFont(face, bytes, size, std::move(font_info));
}

MappedFont::MappedFont(FontFace face, const unsigned char* data, std::size_t size,
                       std::vector<char> info)
    : face_(std::move(face)), data_(data), size_(size), info_(std::move(info)) {}

MappedFont::MappedFont(MappedFont&& other) noexcept
    : face_(std::move(other.face_)),
      data_(other.data_),
      size_(other.size_),
      info_(std::move(other.info_)) {
    other.data_ = nullptr;
    other.size_ = 0;
}

MappedFont::~MappedFont() {
    if (data_) ::munmap(const_cast<unsigned char*>(data_), size_);
}

bool MappedFont::has_glyph(char32_t codepoint) const {
    const auto* info = reinterpret_cast<const stbtt_fontinfo*>(info_.data());
    return stbtt_FindGlyphIndex(info, static_cast<int>(codepoint)) != 0;
}

Result<std::vector<char32_t>> used_codepoints(std::span<const NamedText> texts,
                                              std::span<const MappedFont* const> fonts) {
    std::vector<char32_t> used;
    for (char32_t cp = 0x20; cp < 0x7F; ++cp) used.push_back(cp);
    for (const auto& [name, text] : texts) {
        for (std::size_t pos = 0; pos < text.size();) {
            const auto cp = next_codepoint(text, pos);
            if (!cp) return Error{name + ": invalid UTF-8 in \"" + std::string(text) + "\""};
            if (*cp < 0x20) continue;  // line breaks are layout, not glyphs
            if (*cp > 0xFFFF) {
                return Error{name + ": character " + hex(*cp) +
                             " is outside what the kiosk can show, in \"" + std::string(text) +
                             "\""};
            }
            for (const auto* font : fonts) {
                if (!font->has_glyph(*cp)) {
                    return Error{name + ": the font " + font->face().path.string() +
                                 " has no glyph for " + hex(*cp) + " in \"" + std::string(text) +
                                 "\""};
                }
            }
            used.push_back(*cp);
        }
    }
    std::sort(used.begin(), used.end());
    used.erase(std::unique(used.begin(), used.end()), used.end());
    return used;
}

std::vector<std::uint16_t> glyph_ranges(std::span<const char32_t> codepoints) {
    std::vector<std::uint16_t> ranges;
    for (std::size_t i = 0; i < codepoints.size();) {
        std::size_t j = i;
        while (j + 1 < codepoints.size() && codepoints[j + 1] == codepoints[j] + 1) ++j;
        ranges.push_back(static_cast<std::uint16_t>(codepoints[i]));
        ranges.push_back(static_cast<std::uint16_t>(codepoints[j]));
        i = j + 1;
    }
    ranges.push_back(0);
    return ranges;
}

}  // namespace cx
