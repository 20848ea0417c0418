#include "screens.hpp"

#include <imgui.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "layout.hpp"
#include "paint.hpp"

namespace cx::kiosk {

namespace {

using namespace paint;

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
    draw_text(draw, v.fonts.body, v.fonts.body->FontSize,
              {d.x * 0.04f, bar.center().y - v.fonts.body->FontSize / 2}, kMutedInk, progress, 0.0f,
              p.interactive());
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

    const auto chosen = s.levels[s.current];
    for (int level = 1; level <= kLevels; ++level) {
        const auto& style = kLevelStyles[static_cast<std::size_t>(level - 1)];
        const Rect card = place(layout::level_card(level));
        const float card_width = card.size().x;
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
        draw_text(draw, v.fonts.body, v.fonts.body->FontSize, {card.min.x + 14, card.min.y + 10},
                  style.ink, digit, 0.0f, p.interactive());
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
    ImDrawList* draw = begin_screen("##kiosk");
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
    end_screen();
    fade_in(v, v.state.screen == Screen::Question
                   ? std::max(v.state.screen_since, v.state.advanced_at)
                   : v.state.screen_since);
    return events;
}

}  // namespace cx::kiosk
