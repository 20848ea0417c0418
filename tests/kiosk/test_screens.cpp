// The customer's screens in an ImGui context without a window: what a key
// press becomes (the + key asks for the other text size on the welcome and
// question screens; elsewhere it is only a touch).
#include <imgui.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "kiosk_test_support.hpp"
#include "screens.hpp"

using namespace cx;
using namespace cx::kiosk;

namespace {

// One ImGui context with the built-in font in every size; nothing is rendered.
struct HeadlessImGui {
    HeadlessImGui() {
        ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr;
        io.DisplaySize = {1280, 800};
        io.DeltaTime = 1.0f / 60;
        unsigned char* pixels = nullptr;
        int width = 0;
        int height = 0;
        io.Fonts->GetTexDataAsRGBA32(&pixels, &width, &height);
        ImFont* font = io.Fonts->Fonts[0];
        fonts.normal = {font, font, font, false};
        fonts.large = fonts.normal;
    }
    ~HeadlessImGui() { ImGui::DestroyContext(); }
    HeadlessImGui(const HeadlessImGui&) = delete;
    HeadlessImGui& operator=(const HeadlessImGui&) = delete;

    // One frame of the state's screen after typing `typed`; what the customer did.
    std::vector<Event> frame(const SurveyState& state, ImWchar typed) {
        if (typed) ImGui::GetIO().AddInputCharacter(typed);
        ImGui::NewFrame();
        const ScreenView view{
            state, test::shipped_config().questionnaire, config, text, fonts, timings,
            false, std::chrono::steady_clock::now(),     {}};
        auto events = draw_screen(view);
        ImGui::EndFrame();
        return events;
    }

    KioskConfig config;
    UiText text;
    SurveyTimings timings;
    UiFontSizes fonts;
};

bool asks_for_text_size(const std::vector<Event>& events) {
    for (const auto& event : events)
        if (std::holds_alternative<event::ToggleTextSize>(event)) return true;
    return false;
}

}  // namespace

TEST_CASE("the + key asks for the other text size on the welcome and question screens") {
    HeadlessImGui imgui;
    SurveyState state;
    CHECK(asks_for_text_size(imgui.frame(state, '+')));
    CHECK_FALSE(asks_for_text_size(imgui.frame(state, '4')));
    state.screen = Screen::Question;
    state.items = {0, 1};
    state.levels.assign(2, std::nullopt);
    for (const TextSize size : {TextSize::Normal, TextSize::Large}) {
        state.text_size = size;
        const auto events = imgui.frame(state, '+');
        CHECK(asks_for_text_size(events));
        CHECK(events.size() == 1);  // and nothing else: no answer, no mere touch
    }
    state.screen = Screen::IdlePrompt;  // + there only wakes the survey, like any key
    const auto events = imgui.frame(state, '+');
    CHECK_FALSE(asks_for_text_size(events));
    CHECK(events.size() == 1);
}

TEST_CASE("the closed screen: + asks for the other text size, nothing else does anything") {
    HeadlessImGui imgui;
    SurveyState state;
    state.screen = Screen::Closed;
    const auto plus = imgui.frame(state, '+');
    CHECK(asks_for_text_size(plus));
    CHECK(plus.size() == 1);
    for (const ImWchar key : {ImWchar('3'), ImWchar(' '), ImWchar('0')}) {
        INFO(static_cast<int>(key));
        CHECK(imgui.frame(state, key).empty());  // no start, no answer, no touch
    }
}
