#pragma once
// Where the touch targets are, as fractions of the window (x of width, y of
// height). tests/kiosk/e2e_kiosk.py clicks at the centres of these rectangles:
// keep the two in step.
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
inline constexpr Frac kBack{0.04f, 0.83f, 0.27f, 0.96f};
inline constexpr Frac kNotApplicable{0.69f, 0.83f, 0.96f, 0.96f};

// Idle prompt
inline constexpr Frac kPromptCard{0.22f, 0.22f, 0.78f, 0.78f};
inline constexpr Frac kPromptContinue{0.36f, 0.60f, 0.64f, 0.72f};

// The smallest side of any answer target (level cards, N/A, back), in pixels.
inline float smallest_answer_target(float width, float height) {
    const float card_width = ((kLevelsRight - kLevelsLeft) - 4 * kLevelsGap) / 5 * width;
    const float card_height = (kLevelsBottom - kLevelsTop) * height;
    const float button_height = (kBack.y1 - kBack.y0) * height;
    const float button_width = (kBack.x1 - kBack.x0) * width;
    float smallest = card_width;
    for (float side : {card_height, button_height, button_width})
        smallest = side < smallest ? side : smallest;
    return smallest;
}

}  // namespace cx::kiosk::layout
