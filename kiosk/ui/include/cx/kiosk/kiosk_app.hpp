#pragma once
// The kiosk as a FrameClient: survey state, the screens, and the store.
// Each frame: deadlines, then the screen, then the customer's events through
// step(); a Save action is committed before the next screen is drawn.
// While staff mode (PIN pad or panel) is open it replaces the customer's
// screens, whose timers stand still; leaving it returns to the welcome screen.
#include <functional>
#include <memory>
#include <string>

#include "cx/kiosk/kiosk_config.hpp"
#include "cx/kiosk/platform.hpp"
#include "cx/kiosk/store.hpp"
#include "cx/kiosk/survey.hpp"
#include "cx/kiosk/ui_text.hpp"
#include "cx/policy.hpp"
#include "cx/staff_access.hpp"

namespace cx::kiosk {

struct PanelData;

class KioskApp final : public FrameClient {
  public:
    KioskApp(const Questionnaire& questionnaire, const ScoringPolicy& policy,
             const KioskConfig& config, const SurveyTimings& timings, Store& store,
             bool store_recovered);
    ~KioskApp() override;

    // What "sync now" does: nudges the upload worker. Without it (no uploader
    // running) the panel says uploading is off.
    void set_sync_now(std::function<void()> sync_now) { sync_now_ = std::move(sync_now); }

    // Also logs how large the answer targets are (they must be >= 15 mm).
    void start(const UiFonts& fonts, const DisplayInfo& display) override;
    void frame(SteadyTime now) override;
    std::optional<SteadyTime> wake_at(SteadyTime now) override;
    void request_staff_entry(SteadyTime now) override;
    // Keeps an open survey as incomplete (SIGTERM mid-survey loses no answer).
    void shutdown(SteadyTime now) { handle(event::Shutdown{}, now); }

  private:
    void handle(Event event, SteadyTime now);
    void save(const Submission& submission, SteadyTime now);
    void staff_frame(SteadyTime now);
    // Audit events and the lockout state, as StaffAccess produced them.
    void persist_staff_changes();
    void refresh_panel();
    void export_now();
    void leave_staff(SteadyTime now);

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
    StaffAccess staff_;
    std::optional<std::string> pin_hash_;  // read when the pad opens (set-pin may run meanwhile)
    std::unique_ptr<PanelData> panel_;
    std::function<void()> sync_now_;
};

}  // namespace cx::kiosk
