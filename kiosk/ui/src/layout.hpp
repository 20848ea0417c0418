#pragma once
// Where the touch targets are, as fractions of the window (x of width, y of
// height). The screens place their targets with these; hit_targets() lists
// every one of them by screen and name for `cxkiosk --dump-layout`, whose file
// the e2e tests click from.
#include <string>
#include <vector>

namespace cx::kiosk::layout {

struct Frac {
    float x0, y0, x1, y1;
};

// Welcome
inline constexpr Frac kStart{0.30f, 0.42f, 0.70f, 0.64f};
inline constexpr Frac kWelcomeZh{0.335f, 0.79f, 0.495f, 0.91f};
inline constexpr Frac kWelcomeEn{0.505f, 0.79f, 0.665f, 0.91f};

// Question
inline constexpr Frac kTopBar{0.0f, 0.0f, 1.0f, 0.12f};
inline constexpr Frac kLanguageToggle{0.80f, 0.02f, 0.97f, 0.10f};
inline constexpr Frac kQuestionText{0.06f, 0.16f, 0.94f, 0.38f};
inline constexpr float kLevelsLeft = 0.04f;
inline constexpr float kLevelsRight = 0.96f;
inline constexpr float kLevelsGap = 0.015f;  // between cards, of width
inline constexpr float kLevelsTop = 0.40f;
inline constexpr float kLevelsBottom = 0.79f;
// Level card 1 … 5, worst to best, left to right.
inline Frac level_card(int level) {
    const float width = ((kLevelsRight - kLevelsLeft) - 4 * kLevelsGap) / 5;
    const float x = kLevelsLeft + static_cast<float>(level - 1) * (width + kLevelsGap);
    return {x, kLevelsTop, x + width, kLevelsBottom};
}
inline constexpr Frac kBack{0.04f, 0.83f, 0.27f, 0.96f};
inline constexpr Frac kNotApplicable{0.69f, 0.83f, 0.96f, 0.96f};

// Idle prompt
inline constexpr Frac kPromptCard{0.22f, 0.22f, 0.78f, 0.78f};
inline constexpr Frac kPromptContinue{0.36f, 0.60f, 0.64f, 0.72f};

// Staff PIN pad: keys in a 3 x 4 grid, row by row: 1 2 3 / 4 5 6 / 7 8 9 / erase 0 OK.
inline constexpr Frac kPadCard{0.28f, 0.04f, 0.72f, 0.97f};
inline constexpr Frac kPadKeys{0.32f, 0.34f, 0.68f, 0.82f};
inline constexpr float kPadGap = 0.012f;  // between keys, of width
inline constexpr char kPadKeyOrder[] = "123456789E0K";
inline constexpr Frac kPadCancel{0.40f, 0.85f, 0.60f, 0.93f};
inline Frac pad_key(int index) {
    const float w = (kPadKeys.x1 - kPadKeys.x0 - 2 * kPadGap) / 3;
    const float h = (kPadKeys.y1 - kPadKeys.y0 - 3 * kPadGap * 1.6f) / 4;
    const float x = kPadKeys.x0 + static_cast<float>(index % 3) * (w + kPadGap);
    const float y = kPadKeys.y0 + static_cast<float>(index / 3) * (h + kPadGap * 1.6f);
    return {x, y, x + w, y + h};
}

// Staff panel
inline constexpr Frac kPanelCounts{0.03f, 0.13f, 0.48f, 0.41f};
inline constexpr Frac kPanelSync{0.03f, 0.43f, 0.48f, 0.70f};
inline constexpr Frac kPanelSyncNow{0.05f, 0.615f, 0.21f, 0.68f};
inline constexpr Frac kPanelRetryRefused{0.22f, 0.615f, 0.38f, 0.68f};
inline constexpr Frac kPanelScore{0.52f, 0.13f, 0.97f, 0.70f};
inline constexpr Frac kPanelExport{0.03f, 0.725f, 0.97f, 0.885f};
// Left of the pills: the card's heading and the row's label ("To", "Format").
inline constexpr float kTargetsLeft = 0.20f;  // target pills, one after another
inline constexpr float kTargetWidth = 0.17f;
inline constexpr float kTargetGap = 0.01f;
inline constexpr Frac kTargetRow{0.20f, 0.74f, 0.0f, 0.795f};  // x1 unused
inline constexpr int kMaxTargets = 4;                          // export target pills shown
inline constexpr float kFormatsLeft = 0.20f;
inline constexpr float kFormatWidth = 0.09f;
inline constexpr Frac kFormatRow{0.20f, 0.81f, 0.0f, 0.865f};  // x1 unused
inline constexpr Frac kPanelExportButton{0.52f, 0.81f, 0.67f, 0.865f};
inline constexpr Frac kPanelLeave{0.58f, 0.905f, 0.77f, 0.975f};
inline constexpr Frac kPanelQuit{0.79f, 0.905f, 0.97f, 0.975f};
inline Frac pill(const Frac& row, float left, float width, float gap, int index) {
    const float x = left + static_cast<float>(index) * (width + gap);
    return {x, row.y0, x + width, row.y1};
}

// The corner whose long press (~3 s) opens staff entry: top left, clear of every customer target.
inline constexpr Frac kStaffCorner{0.0f, 0.0f, 0.08f, 0.10f};

// The smallest side of any answer target (level cards, N/A, back), in pixels.
inline float smallest_answer_target(float width, float height) {
    float smallest = width + height;
    for (const Frac& f : {level_card(1), kBack, kNotApplicable})
        for (float side : {(f.x1 - f.x0) * width, (f.y1 - f.y0) * height})
            smallest = side < smallest ? side : smallest;
    return smallest;
}

inline Frac target_pill(int index) {
    return pill(kTargetRow, kTargetsLeft, kTargetWidth, kTargetGap, index);
}
inline Frac format_pill(int index) {
    return pill(kFormatRow, kFormatsLeft, kFormatWidth, kTargetGap, index);
}

struct HitTarget {
    std::string screen;  // welcome, question, idle_prompt, staff_pad, staff_panel, any
    std::string name;
    Frac where;
};

// Every touch target of every screen; defined with the screens' own placement above.
std::vector<HitTarget> hit_targets();

}  // namespace cx::kiosk::layout
