// The font check: every shown string's glyphs exist, or startup fails naming
// the string; the atlas ranges cover exactly the used codepoints.
#include <catch2/catch.hpp>

#include "cx/config/config_files.hpp"
#include "cx/assets/font.hpp"
#include "cx/kiosk/ui_text.hpp"

using namespace cx;

namespace {

MappedFont cjk_font() {
    const auto face = find_cjk_font();
    REQUIRE(face.has_value());
    auto font = MappedFont::open(*face);
    REQUIRE(font.ok());
    return std::move(font).value();
}

}  // namespace

TEST_CASE("every string the kiosk shows has its glyphs in the CJK font") {
    const auto config = load_scoring_config(CX_TEST_CONFIG_DIR);
    REQUIRE(config.ok());
    const auto font = cjk_font();
    const MappedFont* fonts[] = {&font};
    const kiosk::KioskConfig kiosk_config;
    const kiosk::UiText ui_text;
    const auto texts = kiosk::displayed_texts(config.value().questionnaire, kiosk_config, ui_text);
    auto used = used_codepoints(texts, fonts);
    INFO((used.ok() ? std::string() : used.error().message));
    REQUIRE(used.ok());
    CHECK(used.value().size() < 1000);  // not the whole CJK block
    CHECK(std::binary_search(used.value().begin(), used.value().end(), U'预'));
    CHECK(std::binary_search(used.value().begin(), used.value().end(), U'A'));
}

TEST_CASE("a glyph missing from the font is an error naming the string") {
    const auto font = cjk_font();
    const MappedFont* fonts[] = {&font};
    // U+0FCF TIBETAN SIGN RDEL NAG GSUM: not in Noto Sans CJK.
    const NamedText texts[] = {{"ok", "好"}, {"kiosk config org_name.zh", "服务\xE0\xBF\x8F中心"}};
    auto used = used_codepoints(texts, fonts);
    REQUIRE_FALSE(used.ok());
    CHECK_THAT(used.error().message, Catch::Contains("kiosk config org_name.zh"));
    CHECK_THAT(used.error().message, Catch::Contains("U+0FCF"));

    const NamedText broken[] = {{"bad", "\xE6\x9C"}};
    auto invalid = used_codepoints(broken, fonts);
    REQUIRE_FALSE(invalid.ok());
    CHECK_THAT(invalid.error().message, Catch::Contains("invalid UTF-8"));
}

TEST_CASE("glyph ranges merge consecutive codepoints and end with zero") {
    const char32_t cps[] = {0x20, 0x21, 0x22, 0x41, 0x4E2D};
    CHECK(glyph_ranges(cps) ==
          std::vector<std::uint16_t>{0x20, 0x22, 0x41, 0x41, 0x4E2D, 0x4E2D, 0});
}
