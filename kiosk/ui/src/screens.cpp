#include "screens.hpp"

#include <imgui.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "layout.hpp"

namespace cx::kiosk {

namespace {

using layout::Frac;

constexpr ImU32 rgb(int r, int g, int b, int a = 255) {
    return IM_COL32(r, g, b, a);
}

const ImU32 kBackgroundTop = rgb(232, 241, 250);
const ImU32 kBackgroundBottom = rgb(250, 251, 252);
const ImU32 kInk = rgb(24, 39, 64);
const ImU32 kMutedInk = rgb(84, 98, 120);
const ImU32 kPrimary = rgb(23, 105, 170);
const ImU32 kPrimaryPressed = rgb(14, 78, 130);
const ImU32 kSurface = rgb(255, 255, 255);
const ImU32 kOutline = rgb(196, 208, 222);
const ImU32 kSuccess = rgb(46, 158, 91);
const ImU32 kWarning = rgb(214, 120, 30);

// Level 1 … 5: red to green, each with text colour readable on it.
struct LevelStyle {
    ImU32 fill;
    ImU32 pressed;
    ImU32 ink;
    float smile;  // mouth curve, -1 frown … +1 smile
};
const std::array<LevelStyle, kLevels> kLevelStyles{{
    {rgb(214, 69, 69), rgb(170, 45, 45), rgb(255, 255, 255), -1.0f},
    {rgb(238, 138, 58), rgb(200, 105, 30), rgb(255, 255, 255), -0.5f},
    {rgb(236, 196, 64), rgb(205, 165, 35), rgb(40, 35, 20), 0.0f},
    {rgb(124, 191, 90), rgb(92, 160, 60), rgb(20, 45, 15), 0.5f},
    {rgb(46, 158, 91), rgb(30, 120, 66), rgb(255, 255, 255), 1.0f},
}};

struct Rect {
    ImVec2 min;
    ImVec2 max;
    ImVec2 size() const { return {max.x - min.x, max.y - min.y}; }
    ImVec2 center() const { return {(min.x + max.x) / 2, (min.y + max.y) / 2}; }
};

Rect place(const Frac& f) {
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
        std::vector<std::pair<const char*, const char*>> lines;
        const char* begin = text.data();
        const char* end = text.data() + text.size();
        while (begin < end) {
            const char* line_end = font->CalcWordWrapPositionA(1.0f, begin, end, wrap_width);
            if (line_end == begin) line_end = begin + 1;  // always progress
            const char* newline = std::find(begin, line_end, '\n');
            if (newline != line_end) line_end = newline;
            lines.emplace_back(begin, line_end);
            begin = line_end;
            while (begin < end && (*begin == ' ' || *begin == '\n')) ++begin;
        }
        const float line_height = size * 1.25f;
        float y = center.y - line_height * static_cast<float>(lines.size()) / 2 +
                  (line_height - size) / 2;
        for (const auto& [from, to] : lines) {
            const ImVec2 extent = font->CalcTextSizeA(size, FLT_MAX, 0.0f, from, to);
            draw_->AddText(font, size, {center.x - extent.x / 2, y}, colour, from, to);
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

    void outlined(const Rect& r, ImFont* font, std::string_view label, bool held,
                  float rounding) const {
        draw_->AddRectFilled(r.min, r.max, held ? rgb(226, 234, 244) : kSurface, rounding);
        draw_->AddRect(r.min, r.max, kOutline, rounding, 0, 3.0f);
        text_centered(font, label, r.center(), r.size().x * 0.9f, kInk);
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

void background(ImDrawList* draw) {
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    draw->AddRectFilledMultiColor({0, 0}, d, kBackgroundTop, kBackgroundTop, kBackgroundBottom,
                                  kBackgroundBottom);
}

float rounding() {
    return ImGui::GetIO().DisplaySize.y * 0.025f;
}

// ---- keys: 1–5 answer, 0 N/A, Backspace back, Return/space start or confirm

struct Keys {
    std::optional<int> level;
    bool back = false;
    bool confirm = false;
    bool any = false;
};

Keys read_keys() {
    const ImGuiIO& io = ImGui::GetIO();
    Keys keys;
    for (ImWchar c : io.InputQueueCharacters) {
        if (c >= '1' && c <= '5') keys.level = c - '0';
        if (c == '0') keys.level = kNotApplicable;
        if (c == ' ') keys.confirm = true;
    }
    auto pressed = [](ImGuiKey key) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(key), false); };
    keys.back = pressed(ImGuiKey_Backspace);
    keys.confirm = keys.confirm || pressed(ImGuiKey_Enter) || pressed(ImGuiKey_KeyPadEnter);
    keys.any = !io.InputQueueCharacters.empty() || keys.back || keys.confirm;
    for (int i = 0; i < IM_ARRAYSIZE(io.KeysDown); ++i)
        keys.any = keys.any || ImGui::IsKeyPressed(i, false);
    return keys;
}

bool tapped_anywhere() {
    return ImGui::IsMouseClicked(ImGuiMouseButton_Left);
}

// ---- screens

void welcome(const ScreenView& v, const Painter& p, std::vector<Event>& events) {
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    const Lang lang = v.state.lang;
    p.text_centered(v.fonts.title, v.config.org_name.in(lang), {d.x / 2, d.y * 0.18f}, d.x * 0.9f,
                    kInk);
    p.text_centered(v.fonts.heading, v.config.invitation.in(lang), {d.x / 2, d.y * 0.31f},
                    d.x * 0.86f, kMutedInk);

    // Language first: its pills win the tap over the start area behind them.
    const Lang languages[] = {Lang::Zh, Lang::En};
    const Frac places[] = {layout::kWelcomeZh, layout::kWelcomeEn};
    for (int i = 0; i < 2; ++i) {
        const Rect r = place(places[i]);
        bool held = false;
        if (p.target(i == 0 ? "##lang-zh" : "##lang-en", r, &held)) {
            events.push_back(event::ChooseLanguage{languages[i]});
        }
        const auto& name = i == 0 ? v.text.language_zh.zh : v.text.language_en.en;
        if (languages[i] == lang) {
            p.button(r, kPrimary, v.fonts.body, name, kSurface, r.size().y / 2);
        } else {
            p.outlined(r, v.fonts.body, name, held, r.size().y / 2);
        }
    }

    const Rect start = place(layout::kStart);
    bool held = false;
    bool start_tapped = p.target("##start", start, &held);
    p.button(start, held ? kPrimaryPressed : kPrimary, v.fonts.title, v.text.start.in(lang),
             kSurface, rounding());
    p.text_centered(v.fonts.body, v.text.tap_anywhere.in(lang), {d.x / 2, d.y * 0.71f}, d.x * 0.8f,
                    kMutedInk);
    // The rest of the screen starts too (submitted last, so the pills win), and Return/space.
    start_tapped = p.target("##start-anywhere", Rect{{0, 0}, d}) || start_tapped;
    if (start_tapped || (p.interactive() && read_keys().confirm)) events.push_back(event::Start{});
    if (v.store_recovered) {
        p.text_centered(v.fonts.body, v.text.store_recovered.in(lang), {d.x / 2, d.y * 0.96f},
                        d.x * 0.95f, rgb(190, 40, 40));
    }
}

void question(const ScreenView& v, const Painter& p, std::vector<Event>& events) {
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    const auto& s = v.state;
    const Lang lang = s.lang;
    const auto& item = v.questionnaire.items[s.items[s.current]];
    ImDrawList* draw = p.draw();

    // Top bar: progress and the language switch.
    const Rect bar = place(layout::kTopBar);
    draw->AddRectFilled(bar.min, bar.max, kSurface);
    char progress[128];
    std::snprintf(progress, sizeof progress, v.text.progress.in(lang).c_str(),
                  static_cast<int>(s.current + 1), static_cast<int>(s.items.size()));
    draw->AddText(v.fonts.body, v.fonts.body->FontSize,
                  {d.x * 0.04f, bar.center().y - v.fonts.body->FontSize / 2}, kMutedInk, progress);
    const float done = static_cast<float>(s.current) / static_cast<float>(s.items.size());
    draw->AddRectFilled({0, bar.max.y}, {d.x, bar.max.y + d.y * 0.008f}, rgb(214, 224, 236));
    draw->AddRectFilled({0, bar.max.y}, {d.x * done, bar.max.y + d.y * 0.008f}, kPrimary);

    const Rect toggle = place(layout::kLanguageToggle);
    bool held = false;
    const Lang other = lang == Lang::Zh ? Lang::En : Lang::Zh;
    if (p.target("##lang-toggle", toggle, &held)) events.push_back(event::ChooseLanguage{other});
    p.outlined(toggle, v.fonts.body,
               other == Lang::Zh ? v.text.language_zh.zh : v.text.language_en.en, held,
               toggle.size().y / 2);

    const Rect text = place(layout::kQuestionText);
    p.text_centered(v.fonts.heading, item.question.in(lang), text.center(), text.size().x, kInk);

    // Five level cards, worst to best, left to right.
    const float gap = layout::kLevelsGap * d.x;
    const float left = layout::kLevelsLeft * d.x;
    const float card_width =
        ((layout::kLevelsRight - layout::kLevelsLeft) * d.x - 4 * gap) / kLevels;
    const float top = layout::kLevelsTop * d.y;
    const float bottom = layout::kLevelsBottom * d.y;
    const auto chosen = s.levels[s.current];
    for (int level = 1; level <= kLevels; ++level) {
        const auto& style = kLevelStyles[static_cast<std::size_t>(level - 1)];
        const float x = left + static_cast<float>(level - 1) * (card_width + gap);
        const Rect card{{x, top}, {x + card_width, bottom}};
        char id[16];
        std::snprintf(id, sizeof id, "##level-%d", level);
        bool pressed = false;
        if (p.target(id, card, &pressed)) events.push_back(event::Answer{level});
        draw->AddRectFilled({card.min.x, card.min.y + 5}, {card.max.x, card.max.y + 5},
                            rgb(0, 0, 0, 30), rounding());
        draw->AddRectFilled(card.min, card.max, pressed ? style.pressed : style.fill, rounding());
        if (chosen && *chosen == level) {
            draw->AddRect({card.min.x - 6, card.min.y - 6}, {card.max.x + 6, card.max.y + 6}, kInk,
                          rounding() + 6, 0, 6.0f);
        }
        const float radius = std::min(card_width, card.size().y) * 0.27f;
        p.face({card.center().x, card.min.y + card.size().y * 0.34f}, radius, style);
        const auto digit = std::to_string(level);
        draw->AddText(v.fonts.body, v.fonts.body->FontSize, {card.min.x + 14, card.min.y + 10},
                      style.ink, digit.c_str());
        p.text_centered(v.fonts.body,
                        v.questionnaire.level_labels[static_cast<std::size_t>(level - 1)].in(lang),
                        {card.center().x, card.min.y + card.size().y * 0.78f}, card_width * 0.9f,
                        style.ink);
    }

    const Rect back = place(layout::kBack);
    bool back_held = false;
    if (p.target("##back", back, &back_held)) events.push_back(event::Back{});
    p.outlined(back, v.fonts.heading, (s.current == 0 ? v.text.exit_survey : v.text.back).in(lang),
               back_held, rounding());

    const Rect na = place(layout::kNotApplicable);
    bool na_held = false;
    if (p.target("##na", na, &na_held)) events.push_back(event::Answer{kNotApplicable});
    const bool na_chosen = chosen && *chosen == kNotApplicable;
    p.outlined(na, v.fonts.heading, v.questionnaire.not_applicable_label.in(lang),
               na_held || na_chosen, rounding());
    if (na_chosen) draw->AddRect(na.min, na.max, kInk, rounding(), 0, 5.0f);

    if (!p.interactive()) return;
    const Keys keys = read_keys();
    if (keys.level) events.push_back(event::Answer{*keys.level});
    if (keys.back) events.push_back(event::Back{});
    if (events.empty() && (keys.any || tapped_anywhere())) events.push_back(event::Touch{});
}

void dim(ImDrawList* draw) {
    draw->AddRectFilled({0, 0}, ImGui::GetIO().DisplaySize, rgb(10, 20, 35, 150));
}

void idle_prompt(const ScreenView& v, const Painter& p, std::vector<Event>& events) {
    question(v, Painter(p.draw(), false), events);
    dim(p.draw());
    const Lang lang = v.state.lang;
    const Rect card = place(layout::kPromptCard);
    ImDrawList* draw = p.draw();
    draw->AddRectFilled(card.min, card.max, kSurface, rounding());
    const float h = card.size().y;
    p.text_centered(v.fonts.title, v.text.still_there.in(lang),
                    {card.center().x, card.min.y + h * 0.18f}, card.size().x * 0.9f, kInk);
    p.text_centered(v.fonts.body, v.text.touch_to_continue.in(lang),
                    {card.center().x, card.min.y + h * 0.38f}, card.size().x * 0.9f, kMutedInk);
    const auto left = v.timings.idle_grace - (v.now - v.state.screen_since);
    const int seconds = static_cast<int>(std::max<long long>(
        0, std::chrono::duration_cast<std::chrono::seconds>(left + std::chrono::milliseconds(999))
               .count()));
    char countdown[128];
    std::snprintf(countdown, sizeof countdown, v.text.returning_in.in(lang).c_str(), seconds);
    p.text_centered(v.fonts.body, countdown, {card.center().x, card.min.y + h * 0.52f},
                    card.size().x * 0.9f, kWarning);
    const Rect button = place(layout::kPromptContinue);
    bool held = false;
    p.target("##continue", button, &held);
    p.button(button, held ? kPrimaryPressed : kPrimary, v.fonts.heading,
             v.text.continue_survey.in(lang), kSurface, rounding());
    // Any touch or key continues; none of them answers.
    if (tapped_anywhere() || read_keys().any) events.push_back(event::Touch{});
}

void symbol_screen(const ScreenView& v, const Painter& p, ImU32 colour, bool check,
                   const LocalizedText& title, const LocalizedText& detail) {
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    ImDrawList* draw = p.draw();
    const ImVec2 c{d.x / 2, d.y * 0.32f};
    const float r = d.y * 0.12f;
    draw->AddCircleFilled(c, r, colour, 64);
    if (check) {
        const ImVec2 points[] = {{c.x - r * 0.45f, c.y + r * 0.02f},
                                 {c.x - r * 0.12f, c.y + r * 0.35f},
                                 {c.x + r * 0.48f, c.y - r * 0.32f}};
        draw->AddPolyline(points, 3, kSurface, 0, r * 0.16f);
    } else {
        draw->AddRectFilled({c.x - r * 0.08f, c.y - r * 0.55f}, {c.x + r * 0.08f, c.y + r * 0.15f},
                            kSurface, r * 0.05f);
        draw->AddCircleFilled({c.x, c.y + r * 0.42f}, r * 0.1f, kSurface, 24);
    }
    const Lang lang = v.state.lang;
    p.text_centered(v.fonts.title, title.in(lang), {d.x / 2, d.y * 0.58f}, d.x * 0.9f, kInk);
    p.text_centered(v.fonts.heading, detail.in(lang), {d.x / 2, d.y * 0.71f}, d.x * 0.85f,
                    kMutedInk);
}

// Covers the screen with the background colour fading out, so a new screen fades in.
void fade_in(const ScreenView& v, SteadyTime since) {
    const float t =
        std::chrono::duration<float>(v.now - since) / std::chrono::duration<float>(kFadeIn);
    if (t >= 1.0f) return;
    const auto alpha = static_cast<int>(255 * (1.0f - std::clamp(t, 0.0f, 1.0f)));
    ImGui::GetForegroundDrawList()->AddRectFilled({0, 0}, ImGui::GetIO().DisplaySize,
                                                  rgb(244, 247, 251, alpha));
}

}  // namespace

std::vector<Event> draw_screen(const ScreenView& v) {
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowPos({0, 0});
    ImGui::SetNextWindowSize(d);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, {0, 0});
    ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0);
    ImGui::Begin("##kiosk", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBackground |
                     ImGuiWindowFlags_NoBringToFrontOnFocus);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    background(draw);
    const Painter painter(draw, true);
    std::vector<Event> events;
    switch (v.state.screen) {
        case Screen::Welcome:
            welcome(v, painter, events);
            break;
        case Screen::Question:
            question(v, painter, events);
            break;
        case Screen::Saving:
            question(v, Painter(draw, false), events);
            break;
        case Screen::IdlePrompt:
            idle_prompt(v, painter, events);
            break;
        case Screen::ThankYou:
            symbol_screen(v, painter, kSuccess, true, v.text.thank_you, v.text.thank_you_detail);
            break;
        case Screen::SaveFailed:
            symbol_screen(v, painter, kWarning, false, v.text.save_failed,
                          v.text.save_failed_detail);
            break;
    }
    ImGui::End();
    ImGui::PopStyleVar(2);
    fade_in(v, v.state.screen == Screen::Question
                   ? std::max(v.state.screen_since, v.state.advanced_at)
                   : v.state.screen_since);
    return events;
}

}  // namespace cx::kiosk
