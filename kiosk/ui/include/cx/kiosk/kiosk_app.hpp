#pragma once
// The kiosk as a FrameClient: survey state, the screens, and the store.
// Each frame: deadlines, then the screen, then the customer's events through
// step(); a Save action is committed before the next screen is drawn.
#include <functional>
#include <string>

#include "cx/kiosk/kiosk_config.hpp"
#include "cx/kiosk/platform.hpp"
#include "cx/kiosk/store.hpp"
#include "cx/kiosk/survey.hpp"
#include "cx/kiosk/ui_text.hpp"
#include "cx/policy.hpp"

namespace cx::kiosk {

class KioskApp final : public FrameClient {
  public:
    KioskApp(const Questionnaire& questionnaire, const ScoringPolicy& policy,
             const KioskConfig& config, const SurveyTimings& timings, Store& store,
             bool store_recovered);

    // Also logs how large the answer targets are (they must be >= 15 mm).
    void start(const UiFonts& fonts, const DisplayInfo& display) override;
    void frame(SteadyTime now) override;
    std::optional<SteadyTime> wake_at(SteadyTime now) override;
    // Keeps an open survey as incomplete (SIGTERM mid-survey loses no answer).
    void shutdown(SteadyTime now) { handle(event::Shutdown{}, now); }
    // Called on the UI thread after each response is committed (the uploader's
    // nudge); must return at once.
    void on_response_saved(std::function<void()> callback) { on_saved_ = std::move(callback); }

  private:
    void handle(Event event, SteadyTime now);
    void save(const Submission& submission, SteadyTime now);

    const Questionnaire& questionnaire_;
    const ScoringPolicy& policy_;
    const KioskConfig& config_;
    SurveyTimings timings_;
    Store& store_;
    StoreIdentity identity_;
    bool store_recovered_;
    UiText text_;
    UiFonts fonts_;
    SurveyState state_;
    std::function<void()> on_saved_;
};

}  // namespace cx::kiosk
