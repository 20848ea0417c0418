#pragma once
// Where the touch targets are, as fractions of the window (x of width, y of
// height). The screens place their targets with these; hit_targets() lists
// every one of them by screen and name for `cxkiosk --dump-layout`, whose file
// the e2e tests click from.
#include <algorithm>
#include <string>
#include <vector>

#include "cx/kiosk/survey.hpp"

namespace cx::kiosk::layout {

struct Frac {
    float x0, y0, x1, y1;
};

// Welcome (the same in both text sizes: its texts are stacked by their measured height)
inline constexpr Frac kStart{0.30f, 0.42f, 0.70f, 0.64f};
inline constexpr Frac kWelcomeZh{0.20f, 0.79f, 0.37f, 0.92f};
inline constexpr Frac kWelcomeEn{0.38f, 0.79f, 0.55f, 0.92f};
inline constexpr Frac kWelcomeTextSize{0.60f, 0.79f, 0.84f, 0.92f};

// Question: the top bar is the same in both text sizes.
inline constexpr Frac kTopBar{0.0f, 0.0f, 1.0f, 0.16f};
inline constexpr Frac kTextSizeToggle{0.54f, 0.02f, 0.78f, 0.15f};
inline constexpr Frac kLanguageToggle{0.80f, 0.02f, 0.97f, 0.15f};

// The rest of the question screen per text size. Normal: five level cards in a
// row. Large: the words of a label at 1.5x ("expectations") are wider than a fifth
// of the screen, so the cards go three and two in two rows, and the question and
// the bottom buttons get the width their larger words need.
inline Frac question_text(TextSize size) {
    return size == TextSize::Large ? Frac{0.03f, 0.17f, 0.97f, 0.37f}
                                   : Frac{0.06f, 0.18f, 0.94f, 0.39f};
}
inline Frac back_button(TextSize size) {
    return size == TextSize::Large ? Frac{0.02f, 0.845f, 0.44f, 0.975f}
                                   : Frac{0.04f, 0.83f, 0.27f, 0.96f};
}
inline Frac not_applicable_button(TextSize size) {
    return size == TextSize::Large ? Frac{0.56f, 0.845f, 0.98f, 0.975f}
                                   : Frac{0.69f, 0.83f, 0.96f, 0.96f};
}
// Level card 1 … 5, worst to best, left to right (and in large text top to bottom).
inline Frac level_card(int level, TextSize size) {
    struct Grid {
        int columns;
        float left, right, gap, top, row_height, row_gap;
    };
    const Grid grid = size == TextSize::Large ? Grid{3, 0.03f, 0.97f, 0.015f, 0.38f, 0.215f, 0.015f}
                                              : Grid{5, 0.04f, 0.96f, 0.015f, 0.41f, 0.38f, 0.0f};
    const int index = level - 1;
    const int row = index / grid.columns;
    const int in_row = std::min(grid.columns, kLevels - row * grid.columns);
    const float width = (grid.right - grid.left - static_cast<float>(grid.columns - 1) * grid.gap) /
                        static_cast<float>(grid.columns);
    // A shorter last row is centred.
    const float x = grid.left + static_cast<float>(grid.columns - in_row) * (width + grid.gap) / 2 +
                    static_cast<float>(index % grid.columns) * (width + grid.gap);
    const float y = grid.top + static_cast<float>(row) * (grid.row_height + grid.row_gap);
    return {x, y, x + width, y + grid.row_height};
}

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
inline constexpr Frac kPanelEnrol{0.37f, 0.905f, 0.56f, 0.975f};
inline constexpr Frac kPanelLeave{0.58f, 0.905f, 0.77f, 0.975f};
inline constexpr Frac kPanelQuit{0.79f, 0.905f, 0.97f, 0.975f};
inline Frac pill(const Frac& row, float left, float width, float gap, int index) {
    const float x = left + static_cast<float>(index) * (width + gap);
    return {x, row.y0, x + width, row.y1};
}

// The corner whose long press (~3 s) opens staff entry: top left, clear of every customer target.
inline constexpr Frac kStaffCorner{0.0f, 0.0f, 0.08f, 0.10f};

// The smallest side of any target a customer answers with or sets the survey up
// with (level cards, N/A, back, language and text size), in both text sizes, in pixels.
inline float smallest_answer_target(float width, float height) {
    float smallest = width + height;
    auto measure = [&](const Frac& f) {
        for (float side : {(f.x1 - f.x0) * width, (f.y1 - f.y0) * height})
            smallest = std::min(side, smallest);
    };
    for (const TextSize size : {TextSize::Normal, TextSize::Large}) {
        for (int level = 1; level <= kLevels; ++level) measure(level_card(level, size));
        measure(back_button(size));
        measure(not_applicable_button(size));
    }
    for (const Frac& f :
         {kWelcomeZh, kWelcomeEn, kWelcomeTextSize, kTextSizeToggle, kLanguageToggle})
        measure(f);
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

// Every touch target of every screen in one text size; defined with the screens'
// own placement above (staff screens are always at the normal size).
std::vector<HitTarget> hit_targets(TextSize size);

}  // namespace cx::kiosk::layout
