#pragma once
// Drawing helpers shared by the customer's and the staff's screens: colours,
// fractional placement, and a Painter that draws and hit-tests touch targets.
#include <imgui.h>

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cx/scoring/questionnaire.hpp"
#include "layout.hpp"

namespace cx::kiosk::paint {

using layout::Frac;

inline constexpr ImU32 rgb(int r, int g, int b, int a = 255) {
    return IM_COL32(r, g, b, a);
}

inline const ImU32 kBackgroundTop = rgb(232, 241, 250);
inline const ImU32 kBackgroundBottom = rgb(250, 251, 252);
inline const ImU32 kInk = rgb(24, 39, 64);
inline const ImU32 kMutedInk = rgb(84, 98, 120);
inline const ImU32 kPrimary = rgb(23, 105, 170);
inline const ImU32 kPrimaryPressed = rgb(14, 78, 130);
inline const ImU32 kSurface = rgb(255, 255, 255);
inline const ImU32 kOutline = rgb(196, 208, 222);
// Text colours meet WCAG 2.1 AA (4.5 : 1) on the surface and the background;
// tests/kiosk/e2e_contrast.py measures every text in screenshots.
inline const ImU32 kSuccess = rgb(25, 120, 60);
inline const ImU32 kWarning = rgb(168, 80, 0);

// Level 1 … 5: red to green, each with a text colour at >= 4.5 : 1 on it. Colour
// is never the only cue: each card has a face, its digit and its words.
struct LevelStyle {
    ImU32 fill;
    ImU32 pressed;
    ImU32 ink;
    float smile;  // mouth curve, -1 frown … +1 smile
};
inline const std::array<LevelStyle, kLevels> kLevelStyles{{
    {rgb(190, 45, 45), rgb(150, 30, 30), rgb(255, 255, 255), -1.0f},
    {rgb(247, 166, 92), rgb(225, 140, 65), rgb(40, 25, 10), -0.5f},
    {rgb(236, 196, 64), rgb(205, 165, 35), rgb(40, 35, 20), 0.0f},
    {rgb(124, 191, 90), rgb(92, 160, 60), rgb(20, 45, 15), 0.5f},
    {rgb(25, 120, 60), rgb(15, 95, 45), rgb(255, 255, 255), 1.0f},
}};

struct Rect {
    ImVec2 min;
    ImVec2 max;
    ImVec2 size() const { return {max.x - min.x, max.y - min.y}; }
    ImVec2 center() const { return {(min.x + max.x) / 2, (min.y + max.y) / 2}; }
};

// For tests (`cxkiosk --dump-texts FILE`): every text a frame shows, where,
// and how large, so a test can measure its contrast in a screenshot. The app
// puts its log in ImGui::GetIO().UserData while recording.
struct DrawnText {
    std::string text;
    Rect rect;
    float size;  // px
    bool bold;
};
struct TextLog {
    std::vector<DrawnText> texts;
    std::vector<const ImFont*> bold_fonts;
};

// Every text the screens show goes through here. `shown` is false for what is
// drawn under an overlay (the question under the idle prompt): not recorded.
inline void draw_text(ImDrawList* draw, ImFont* font, float size, ImVec2 at, ImU32 colour,
                      std::string_view text, float wrap_width = 0.0f, bool shown = true) {
    const char* begin = text.data();
    const char* end = begin + text.size();
    draw->AddText(font, size, at, colour, begin, end, wrap_width);
    auto* log = static_cast<TextLog*>(ImGui::GetIO().UserData);
    if (!log || !shown || text.empty()) return;
    const ImVec2 extent = font->CalcTextSizeA(size, FLT_MAX, wrap_width, begin, end);
    const bool bold =
        std::find(log->bold_fonts.begin(), log->bold_fonts.end(), font) != log->bold_fonts.end();
    log->texts.push_back({std::string(text), {at, {at.x + extent.x, at.y + extent.y}}, size, bold});
}

// Line height of wrapped text, in font sizes.
inline constexpr float kLineSpacing = 1.25f;

// The lines `text` breaks into at `wrap_width` (at spaces, between CJK characters, and at '\n').
inline std::vector<std::string_view> wrapped_lines(ImFont* font, std::string_view text,
                                                   float wrap_width) {
    std::vector<std::string_view> lines;
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    while (begin < end) {
        const char* line_end = font->CalcWordWrapPositionA(1.0f, begin, end, wrap_width);
        if (line_end == begin) line_end = begin + 1;  // always progress
        const char* newline = std::find(begin, line_end, '\n');
        if (newline != line_end) line_end = newline;
        lines.emplace_back(begin, static_cast<std::size_t>(line_end - begin));
        begin = line_end;
        while (begin < end && (*begin == ' ' || *begin == '\n')) ++begin;
    }
    return lines;
}

// Height of the block text_centered() draws.
inline float wrapped_height(ImFont* font, std::string_view text, float wrap_width) {
    return static_cast<float>(wrapped_lines(font, text, wrap_width).size()) * font->FontSize *
           kLineSpacing;
}

inline Rect place(const Frac& f) {
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    return {{f.x0 * d.x, f.y0 * d.y}, {f.x1 * d.x, f.y1 * d.y}};
}

// Draws and hit-tests; screens built with `interactive = false` only draw
// (the question under the idle prompt).
class Painter {
  public:
    Painter(ImDrawList* draw, bool interactive) : draw_(draw), interactive_(interactive) {}

    ImDrawList* draw() const { return draw_; }

    // True when tapped. `pressed` tells whether it is held now, for feedback.
    bool target(const char* id, const Rect& r, bool* pressed = nullptr) const {
        if (!interactive_) {
            if (pressed) *pressed = false;
            return false;
        }
        ImGui::SetCursorScreenPos(r.min);
        const bool clicked = ImGui::InvisibleButton(id, r.size());
        if (pressed) *pressed = ImGui::IsItemActive();
        return clicked;
    }

    // Wrapped text, each line centred on `center.x`, the block centred on `center.y`.
    void text_centered(ImFont* font, std::string_view text, ImVec2 center, float wrap_width,
                       ImU32 colour) const {
        const float size = font->FontSize;
        const auto lines = wrapped_lines(font, text, wrap_width);
        const float line_height = size * kLineSpacing;
        float y = center.y - line_height * static_cast<float>(lines.size()) / 2 +
                  (line_height - size) / 2;
        for (const auto line : lines) {
            const ImVec2 extent =
                font->CalcTextSizeA(size, FLT_MAX, 0.0f, line.data(), line.data() + line.size());
            draw_text(draw_, font, size, {center.x - extent.x / 2, y}, colour, line, 0.0f,
                      interactive_);
            y += line_height;
        }
    }

    void button(const Rect& r, ImU32 fill, ImFont* font, std::string_view label, ImU32 ink,
                float rounding) const {
        draw_->AddRectFilled({r.min.x, r.min.y + 4}, {r.max.x, r.max.y + 4}, rgb(0, 0, 0, 28),
                             rounding);
        draw_->AddRectFilled(r.min, r.max, fill, rounding);
        text_centered(font, label, r.center(), r.size().x * 0.9f, ink);
    }

    void outlined(const Rect& r, ImFont* font, std::string_view label, bool held, float rounding,
                  ImU32 ink = kInk) const {
        draw_->AddRectFilled(r.min, r.max, held ? rgb(226, 234, 244) : kSurface, rounding);
        draw_->AddRect(r.min, r.max, kOutline, rounding, 0, 3.0f);
        text_centered(font, label, r.center(), r.size().x * 0.9f, ink);
    }

    void face(ImVec2 c, float radius, const LevelStyle& style) const {
        draw_->AddCircleFilled(c, radius, rgb(255, 255, 255, 235), 48);
        const ImU32 ink = rgb(40, 40, 40);
        const float eye_dx = radius * 0.36f;
        const float eye_y = c.y - radius * 0.22f;
        draw_->AddCircleFilled({c.x - eye_dx, eye_y}, radius * 0.11f, ink, 16);
        draw_->AddCircleFilled({c.x + eye_dx, eye_y}, radius * 0.11f, ink, 16);
        const float mouth_y = c.y + radius * 0.35f - style.smile * radius * 0.12f;
        const float half = radius * 0.45f;
        draw_->AddBezierQuadratic({c.x - half, mouth_y},
                                  {c.x, mouth_y + style.smile * radius * 0.55f},
                                  {c.x + half, mouth_y}, ink, radius * 0.11f, 24);
    }

    bool interactive() const { return interactive_; }

  private:
    ImDrawList* draw_;
    bool interactive_;
};

inline void background(ImDrawList* draw) {
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    draw->AddRectFilledMultiColor({0, 0}, d, kBackgroundTop, kBackgroundTop, kBackgroundBottom,
                                  kBackgroundBottom);
}

// One borderless window over the whole display to draw a screen in; pair with end_screen().
inline ImDrawList* begin_screen(const char* id) {
    ImGui::SetNextWindowPos({0, 0});
    ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, {0, 0});
    ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0);
    ImGui::Begin(id, nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBackground |
                     ImGuiWindowFlags_NoBringToFrontOnFocus);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    background(draw);
    return draw;
}

inline void end_screen() {
    ImGui::End();
    ImGui::PopStyleVar(2);
}

inline float rounding() {
    return ImGui::GetIO().DisplaySize.y * 0.025f;
}

}  // namespace cx::kiosk::paint
