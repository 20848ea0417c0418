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

// ---- keys: 1–5 answer, 0 N/A, Backspace back, Return/space start or confirm, + text size

struct Keys {
    std::optional<int> level;
    bool back = false;
    bool text_size = false;  // + on the main keyboard or the keypad
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
        if (c == '+') keys.text_size = true;
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

// The fonts of the customer's text size.
const UiFonts& fonts(const ScreenView& v) {
    return v.fonts.at(v.state.text_size);
}

// "大字 A+" while the text is normal; pressed-looking "标准字 A−" while it is large.
void text_size_button(const ScreenView& v, const Painter& p, const Rect& r,
                      std::vector<Event>& events) {
    bool held = false;
    if (p.target("##text-size", r, &held)) events.push_back(event::ToggleTextSize{});
    const Lang lang = v.state.lang;
    if (v.state.text_size == TextSize::Large) {
        p.button(r, held ? kPrimaryPressed : kPrimary, fonts(v).body, v.text.text_standard.in(lang),
                 kSurface, r.size().y / 2);
    } else {
        p.outlined(r, fonts(v).body, v.text.text_larger.in(lang), held, r.size().y / 2);
    }
}

void welcome(const ScreenView& v, const Painter& p, std::vector<Event>& events) {
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    const Lang lang = v.state.lang;
    const UiFonts& f = fonts(v);
    const Rect start = place(layout::kStart);
    // Name and invitation stacked by their wrapped height, centred above the start button.
    const auto& name = v.config.org_name.in(lang);
    const auto& invitation = v.config.invitation.in(lang);
    const float name_h = wrapped_height(f.title, name, d.x * 0.9f);
    const float invitation_h = wrapped_height(f.heading, invitation, d.x * 0.86f);
    const float gap = d.y * 0.02f;
    const float top = (start.min.y - name_h - gap - invitation_h) / 2;
    p.text_centered(f.title, name, {d.x / 2, top + name_h / 2}, d.x * 0.9f, kInk);
    p.text_centered(f.heading, invitation, {d.x / 2, top + name_h + gap + invitation_h / 2},
                    d.x * 0.86f, kMutedInk);

    // Language and text size first: their buttons win the tap over the start area behind them.
    const Lang languages[] = {Lang::Zh, Lang::En};
    const Frac places[] = {layout::kWelcomeZh, layout::kWelcomeEn};
    for (int i = 0; i < 2; ++i) {
        const Rect r = place(places[i]);
        bool held = false;
        if (p.target(i == 0 ? "##lang-zh" : "##lang-en", r, &held)) {
            events.push_back(event::ChooseLanguage{languages[i]});
        }
        const auto& language = i == 0 ? v.text.language_zh.zh : v.text.language_en.en;
        if (languages[i] == lang) {
            p.button(r, kPrimary, f.body, language, kSurface, r.size().y / 2);
        } else {
            p.outlined(r, f.body, language, held, r.size().y / 2);
        }
    }
    text_size_button(v, p, place(layout::kWelcomeTextSize), events);

    bool held = false;
    bool start_tapped = p.target("##start", start, &held);
    p.button(start, held ? kPrimaryPressed : kPrimary, f.title, v.text.start.in(lang), kSurface,
             rounding());
    p.text_centered(f.body, v.text.tap_anywhere.in(lang), {d.x / 2, d.y * 0.71f}, d.x * 0.8f,
                    kMutedInk);
    // The rest of the screen starts too (submitted last, so the buttons win), and Return/space.
    start_tapped = p.target("##start-anywhere", Rect{{0, 0}, d}) || start_tapped;
    const Keys keys = p.interactive() ? read_keys() : Keys{};
    if (keys.text_size) events.push_back(event::ToggleTextSize{});
    if (start_tapped || keys.confirm) events.push_back(event::Start{});
    if (v.store_recovered) {
        // For staff, so at the normal size whatever the customer chose.
        p.text_centered(v.fonts.normal.body, v.text.store_recovered.in(lang),
                        {d.x / 2, d.y * 0.96f}, d.x * 0.95f, rgb(190, 40, 40));
    }
}

// A level card's digit, face and words. A tall card (normal text, five in a row)
// has the face above the words; a wide one (large text) the digit and face on the
// left and the words beside them, where they have the width they need.
void level_card_content(const ScreenView& v, const Painter& p, const Rect& card, int level) {
    const auto& style = kLevelStyles[static_cast<std::size_t>(level - 1)];
    const UiFonts& f = fonts(v);
    const auto& label =
        v.questionnaire.level_labels[static_cast<std::size_t>(level - 1)].in(v.state.lang);
    const ImVec2 size = card.size();
    const float pad = std::min(size.x, size.y) * 0.06f;
    draw_text(p.draw(), f.body, f.body->FontSize, {card.min.x + 14, card.min.y + 10}, style.ink,
              std::to_string(level), 0.0f, p.interactive());
    if (size.x < size.y * 1.5f) {
        p.face({card.center().x, card.min.y + size.y * 0.34f}, std::min(size.x, size.y) * 0.27f,
               style);
        p.text_centered(f.body, label, {card.center().x, card.min.y + size.y * 0.78f},
                        size.x * 0.9f, style.ink);
        return;
    }
    const float radius = size.y * 0.22f;
    p.face({card.min.x + 14 + radius, card.max.y - pad - radius}, radius, style);
    const float left = card.min.x + 14 + 2 * radius + pad;
    const float right = card.max.x - pad;
    p.text_centered(f.body, label, {(left + right) / 2, card.center().y}, right - left, style.ink);
}

void question(const ScreenView& v, const Painter& p, std::vector<Event>& events) {
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    const auto& s = v.state;
    const Lang lang = s.lang;
    const TextSize size = s.text_size;
    const UiFonts& f = fonts(v);
    const auto& item = v.questionnaire.items[s.items[s.current]];
    ImDrawList* draw = p.draw();

    // Top bar: progress, the text size and the language switch.
    const Rect bar = place(layout::kTopBar);
    draw->AddRectFilled(bar.min, bar.max, kSurface);
    char progress[128];
    std::snprintf(progress, sizeof progress, v.text.progress.in(lang).c_str(),
                  static_cast<int>(s.current + 1), static_cast<int>(s.items.size()));
    draw_text(draw, f.body, f.body->FontSize, {d.x * 0.04f, bar.center().y - f.body->FontSize / 2},
              kMutedInk, progress, 0.0f, p.interactive());
    const float done = static_cast<float>(s.current) / static_cast<float>(s.items.size());
    draw->AddRectFilled({0, bar.max.y}, {d.x, bar.max.y + d.y * 0.008f}, rgb(214, 224, 236));
    draw->AddRectFilled({0, bar.max.y}, {d.x * done, bar.max.y + d.y * 0.008f}, kPrimary);

    text_size_button(v, p, place(layout::kTextSizeToggle), events);
    const Rect toggle = place(layout::kLanguageToggle);
    bool held = false;
    const Lang other = lang == Lang::Zh ? Lang::En : Lang::Zh;
    if (p.target("##lang-toggle", toggle, &held)) events.push_back(event::ChooseLanguage{other});
    p.outlined(toggle, f.body, other == Lang::Zh ? v.text.language_zh.zh : v.text.language_en.en,
               held, toggle.size().y / 2);

    const Rect text = place(layout::question_text(size));
    p.text_centered(f.heading, item.question.in(lang), text.center(), text.size().x, kInk);

    const auto chosen = s.levels[s.current];
    for (int level = 1; level <= kLevels; ++level) {
        const auto& style = kLevelStyles[static_cast<std::size_t>(level - 1)];
        const Rect card = place(layout::level_card(level, size));
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
        level_card_content(v, p, card, level);
    }

    const Rect back = place(layout::back_button(size));
    bool back_held = false;
    if (p.target("##back", back, &back_held)) events.push_back(event::Back{});
    p.outlined(back, f.heading, (s.current == 0 ? v.text.exit_survey : v.text.back).in(lang),
               back_held, rounding());

    const Rect na = place(layout::not_applicable_button(size));
    bool na_held = false;
    if (p.target("##na", na, &na_held)) events.push_back(event::Answer{kNotApplicable});
    const bool na_chosen = chosen && *chosen == kNotApplicable;
    p.outlined(na, f.heading, v.questionnaire.not_applicable_label.in(lang), na_held || na_chosen,
               rounding());
    if (na_chosen) draw->AddRect(na.min, na.max, kInk, rounding(), 0, 5.0f);

    if (!p.interactive()) return;
    const Keys keys = read_keys();
    if (keys.level) events.push_back(event::Answer{*keys.level});
    if (keys.back) events.push_back(event::Back{});
    if (keys.text_size) events.push_back(event::ToggleTextSize{});
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
    p.text_centered(fonts(v).title, v.text.still_there.in(lang),
                    {card.center().x, card.min.y + h * 0.18f}, card.size().x * 0.9f, kInk);
    p.text_centered(fonts(v).body, v.text.touch_to_continue.in(lang),
                    {card.center().x, card.min.y + h * 0.38f}, card.size().x * 0.9f, kMutedInk);
    const auto left = v.timings.idle_grace - (v.now - v.state.screen_since);
    const int seconds = static_cast<int>(std::max<long long>(
        0, std::chrono::duration_cast<std::chrono::seconds>(left + std::chrono::milliseconds(999))
               .count()));
    char countdown[128];
    std::snprintf(countdown, sizeof countdown, v.text.returning_in.in(lang).c_str(), seconds);
    p.text_centered(fonts(v).body, countdown, {card.center().x, card.min.y + h * 0.52f},
                    card.size().x * 0.9f, kWarning);
    const Rect button = place(layout::kPromptContinue);
    bool held = false;
    p.target("##continue", button, &held);
    p.button(button, held ? kPrimaryPressed : kPrimary, fonts(v).heading,
             v.text.continue_survey.in(lang), kSurface, rounding());
    // Any touch or key continues; none of them answers.
    if (tapped_anywhere() || read_keys().any) events.push_back(event::Touch{});
}

// Thank-you: a check mark, a title and a detail, stacked by their wrapped height and
// centred on the screen.
void thank_you(const ScreenView& v, const Painter& p) {
    const LocalizedText& title = v.text.thank_you;
    const LocalizedText& detail = v.text.thank_you_detail;
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    const Lang lang = v.state.lang;
    const UiFonts& f = fonts(v);
    const float r = d.y * 0.12f;
    const float gap = d.y * 0.03f;
    const float title_h = wrapped_height(f.title, title.in(lang), d.x * 0.9f);
    const float detail_h = wrapped_height(f.heading, detail.in(lang), d.x * 0.85f);
    const float top = (d.y - 2 * r - gap - title_h - gap - detail_h) / 2;
    ImDrawList* draw = p.draw();
    const ImVec2 c{d.x / 2, top + r};
    draw->AddCircleFilled(c, r, kSuccess, 64);
    const ImVec2 points[] = {{c.x - r * 0.45f, c.y + r * 0.02f},
                             {c.x - r * 0.12f, c.y + r * 0.35f},
                             {c.x + r * 0.48f, c.y - r * 0.32f}};
    draw->AddPolyline(points, 3, kSurface, 0, r * 0.16f);
    const float title_top = top + 2 * r + gap;
    p.text_centered(f.title, title.in(lang), {d.x / 2, title_top + title_h / 2}, d.x * 0.9f, kInk);
    p.text_centered(f.heading, detail.in(lang), {d.x / 2, title_top + title_h + gap + detail_h / 2},
                    d.x * 0.85f, kMutedInk);
}

// A line of a notice screen: both languages are shown, Chinese first.
struct NoticeLine {
    ImFont* font;
    const std::string& text;
    ImU32 ink;
};

// A calm symbol of radius r (drawn by `symbol` around its centre) over lines of text,
// stacked by their wrapped height and centred on the screen.
template <typename Symbol>
void notice_screen(const Painter& p, const std::vector<NoticeLine>& lines, Symbol symbol) {
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    const float r = d.y * 0.09f;
    const float gap = d.y * 0.025f;
    const float width = d.x * 0.9f;
    float height = 2 * r;
    for (const auto& line : lines) height += gap + wrapped_height(line.font, line.text, width);
    float y = (d.y - height) / 2;
    symbol(p.draw(), ImVec2{d.x / 2, y + r}, r);
    y += 2 * r;
    for (const auto& line : lines) {
        const float h = wrapped_height(line.font, line.text, width);
        y += gap;
        p.text_centered(line.font, line.text, {d.x / 2, y + h / 2}, width, line.ink);
        y += h;
    }
}

// Outside the opening hours: a clock, "暂停服务" over "Closed", and when it opens
// again in both languages. Nothing to tap; the + key still changes the text size,
// and staff mode opens as from the welcome screen (the platform's gesture and F10).
void closed(const ScreenView& v, const Painter& p, std::vector<Event>& events) {
    const UiFonts& f = fonts(v);
    std::vector<NoticeLine> lines{{f.title, v.text.closed.zh, kInk},
                                  {f.title, v.text.closed.en, kInk}};
    if (!v.opens_again.zh.empty()) {
        lines.push_back({f.heading, v.opens_again.zh, kMutedInk});
        lines.push_back({f.heading, v.opens_again.en, kMutedInk});
    }
    notice_screen(p, lines, [](ImDrawList* draw, ImVec2 c, float r) {
        draw->AddCircle(c, r, kMutedInk, 64, r * 0.09f);
        draw->AddLine(c, {c.x, c.y - r * 0.62f}, kMutedInk, r * 0.09f);
        draw->AddLine(c, {c.x + r * 0.45f, c.y}, kMutedInk, r * 0.09f);
    });
    if (p.interactive() && read_keys().text_size) events.push_back(event::ToggleTextSize{});
}

// A response could not be stored: a pause sign, no red, nothing to tap. The customer
// who just answered reads first that their answers were not saved; everyone reads that
// the kiosk is paused and that staff should be told. It goes by itself (write probe).
void unavailable(const ScreenView& v, const Painter& p) {
    const UiFonts& f = fonts(v);
    std::vector<NoticeLine> lines;
    const bool notice = shows_unsaved_notice(v.state, v.timings, v.now);
    if (notice) {
        lines.push_back({f.title, v.text.answers_not_saved.zh, kInk});
        lines.push_back({f.title, v.text.answers_not_saved.en, kInk});
    }
    // Under the notice it is the second thing to read; after it, the headline.
    lines.push_back(
        {notice ? f.heading : f.title, v.text.unavailable.zh, notice ? kMutedInk : kInk});
    lines.push_back(
        {notice ? f.heading : f.title, v.text.unavailable.en, notice ? kMutedInk : kInk});
    notice_screen(p, lines, [](ImDrawList* draw, ImVec2 c, float r) {
        draw->AddCircle(c, r, kPrimary, 64, r * 0.09f);
        for (const float x : {-0.25f, 0.25f}) {
            draw->AddRectFilled({c.x + r * (x - 0.1f), c.y - r * 0.42f},
                                {c.x + r * (x + 0.1f), c.y + r * 0.42f}, kPrimary, r * 0.04f);
        }
    });
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
            thank_you(v, painter);
            break;
        case Screen::Unavailable:
            unavailable(v, painter);
            break;
        case Screen::Closed:
            closed(v, painter, events);
            break;
    }
    end_screen();
    fade_in(v, v.state.screen == Screen::Question
                   ? std::max(v.state.screen_since, v.state.advanced_at)
                   : v.state.screen_since);
    return events;
}

}  // namespace cx::kiosk
