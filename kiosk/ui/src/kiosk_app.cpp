#include "cx/kiosk/kiosk_app.hpp"

#include <iostream>

#include "layout.hpp"
#include "screens.hpp"

namespace cx::kiosk {

namespace {
constexpr float kMinTargetMm = 15.0f;  // PRODUCT.md: targets for a finger, without glasses
}  // namespace

KioskApp::KioskApp(const Questionnaire& questionnaire, const ScoringPolicy& policy,
                   const KioskConfig& config, const SurveyTimings& timings, Store& store,
                   bool store_recovered)
    : questionnaire_(questionnaire),
      policy_(policy),
      config_(config),
      timings_(timings),
      store_(store),
      identity_{config.device, config.org, config.site, questionnaire.id},
      store_recovered_(store_recovered) {}

void KioskApp::start(const UiFonts& fonts, const DisplayInfo& display) {
    fonts_ = fonts;
    const float px = layout::smallest_answer_target(static_cast<float>(display.width),
                                                    static_cast<float>(display.height));
    std::cerr << "cxkiosk: display " << display.width << "x" << display.height
              << " px; smallest answer target " << px << " px";
    if (display.px_per_mm > 0) {
        const float mm = px / display.px_per_mm;
        std::cerr << " = " << mm << " mm"
                  << (mm < kMinTargetMm ? " (below 15 mm: use a larger display)" : "");
    }
    std::cerr << std::endl;
}

void KioskApp::frame(SteadyTime now) {
    handle(event::Tick{}, now);
    const ScreenView view{state_, questionnaire_, config_,          text_,
                          fonts_, timings_,       store_recovered_, now};
    for (auto& event : draw_screen(view)) handle(std::move(event), now);
}

std::optional<SteadyTime> KioskApp::wake_at(SteadyTime now) {
    const auto shown_since = state_.screen == Screen::Question
                                 ? std::max(state_.screen_since, state_.advanced_at)
                                 : state_.screen_since;
    // Animating: frames back to back until a little past the end, so the last one is opaque.
    if (now - shown_since < kFadeIn + Millis(40)) return now;
    return next_deadline(state_, timings_, now);
}

void KioskApp::handle(Event event, SteadyTime now) {
    if (auto* start = std::get_if<event::Start>(&event)) {
        // Respondent number for the rotation: every stored response so far.
        std::uint64_t respondent = 0;
        if (auto counts = store_.counts()) {
            respondent =
                static_cast<std::uint64_t>(counts.value().complete + counts.value().incomplete);
        }
        start->items =
            rotation_items(questionnaire_.items.size(),
                           static_cast<std::size_t>(config_.items_per_respondent), respondent);
        start->wall = std::chrono::system_clock::now();
    }
    const Screen before = state_.screen;
    for (const auto& action : step(state_, event, now, questionnaire_, timings_)) {
        if (const auto* save_action = std::get_if<action::Save>(&action))
            save(save_action->submission, now);
    }
    if (state_.screen != before)
        std::cerr << "cxkiosk: screen " << to_string(state_.screen) << std::endl;
}

void KioskApp::save(const Submission& submission, SteadyTime now) {
    auto stored = store_.append(submission, identity_, policy_, std::chrono::system_clock::now());
    if (stored) {
        std::cerr << "cxkiosk: saved response seq " << stored.value().seq << " ("
                  << to_string(stored.value().status) << ")" << std::endl;
        if (on_saved_) on_saved_();
    } else {
        std::cerr << "cxkiosk: could not save a response: " << stored.error().message << std::endl;
    }
    if (submission.status != ResponseStatus::Complete) return;
    // The thank-you screen only after the commit.
    Event result = stored ? Event{event::SaveDone{}} : Event{event::SaveError{}};
    step(state_, result, now, questionnaire_, timings_);
}

}  // namespace cx::kiosk
