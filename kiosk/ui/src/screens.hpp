#pragma once
// The customer's screens. They see only ImGui and a read-only view of the
// state, and return what the customer did as survey events.
#include <string_view>
#include <vector>

#include "cx/kiosk/kiosk_config.hpp"
#include "cx/kiosk/platform.hpp"
#include "cx/kiosk/survey.hpp"
#include "cx/kiosk/ui_text.hpp"

namespace cx::kiosk {

struct ScreenView {
    const SurveyState& state;
    const Questionnaire& questionnaire;
    const KioskConfig& config;
    const UiText& text;
    const UiFontSizes& fonts;  // the screens use the state's text size (staff notices: normal)
    const SurveyTimings& timings;
    bool store_recovered;  // tell staff on the welcome screen
    SteadyTime now;
    LocalizedText opens_again;  // the closed screen's "明天 08:30 开放" (ui_text.hpp)
};

// Draws the current screen over the whole display. event::Start comes back
// without items: the caller picks them (rotation).
std::vector<Event> draw_screen(const ScreenView& view);

// How long a screen change fades in; the frame loop renders continuously meanwhile.
inline constexpr Millis kFadeIn{160};

}  // namespace cx::kiosk
