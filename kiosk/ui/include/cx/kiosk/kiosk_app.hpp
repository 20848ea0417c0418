#pragma once
// The kiosk as a FrameClient: survey state, the screens, and the store.
// Each frame: deadlines, then the screen, then the customer's events through
// step(); a Save action is committed before the next screen is drawn, and a
// Probe action (the survey is unavailable: a response could not be stored) runs
// the write probe in the data dir and the store.
// While staff mode (PIN pad or panel) is open it replaces the customer's
// screens, whose timers stand still; leaving it returns to the welcome screen.
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "cx/kiosk/enrolment.hpp"
#include "cx/kiosk/kiosk_config.hpp"
#include "cx/kiosk/platform.hpp"
#include "cx/kiosk/staff_access.hpp"
#include "cx/kiosk/store.hpp"
#include "cx/kiosk/survey.hpp"
#include "cx/kiosk/ui_text.hpp"
#include "cx/kiosk/write_probe.hpp"
#include "cx/scoring/policy.hpp"

namespace cx::kiosk {

namespace paint {
struct TextLog;
}
struct PanelData;

class KioskApp final : public FrameClient {
  public:
    KioskApp(const Questionnaire& questionnaire, const ScoringPolicy& policy,
             const KioskConfig& config, const SurveyTimings& timings, Store& store,
             bool store_recovered);
    ~KioskApp() override;

    // What "sync now" does (UploadWorker::sync_now); must return at once. Without
    // it (no uploader running) the panel says uploading is off.
    void set_sync_now(std::function<void()> sync_now) { sync_now_ = std::move(sync_now); }
    // What "retry refused" does with an uploader (UploadWorker::retry_refused); must
    // return at once. Without it the panel requeues through the store itself.
    void set_retry_refused(std::function<void()> retry) { retry_refused_ = std::move(retry); }

    // The private CA the enrol screen trusts besides the system's (--ca; empty: none).
    void set_ca_file(std::string ca_file) { ca_file_ = std::move(ca_file); }

    // For tests: start() writes every screen's touch targets there, in both text
    // sizes (layout_dump.hpp).
    void set_layout_dump(std::filesystem::path file) { layout_dump_ = std::move(file); }
    // For tests: every frame's texts (position, size), its screen and text size go
    // there when they change.
    void set_text_dump(std::filesystem::path file) { text_dump_ = std::move(file); }

    // Also logs how large the answer targets are (they must be >= 15 mm).
    Status start(const UiFontSizes& fonts, const DisplayInfo& display) override;
    void frame(SteadyTime now) override;
    std::optional<SteadyTime> wake_at(SteadyTime now) override;
    void request_staff_entry(SteadyTime now) override;
    // Staff pressed "quit".
    bool finished() const override { return quit_; }
    // Keeps an open survey as incomplete (SIGTERM mid-survey loses no answer).
    void shutdown(SteadyTime now) { handle(event::Shutdown{}, now); }
    // Called on the UI thread after each response is committed (the uploader's
    // nudge); must return at once.
    void on_response_saved(std::function<void()> callback) { on_saved_ = std::move(callback); }

  private:
    void customer_or_staff_frame(SteadyTime now);
    // Decides open or closed from the wall clock (with opening hours configured) and
    // tells the survey; returns the local time it read.
    LocalTime follow_opening_hours(SteadyTime now);
    void handle(Event event, SteadyTime now);
    void save(const Submission& submission, SteadyTime now);
    // Runs the write probe the unavailable survey asked for and tells it the outcome.
    void probe(SteadyTime now);
    void end_outage();
    void staff_frame(SteadyTime now);
    // Audit events and the lockout state, as StaffAccess produced them.
    void persist_staff_changes();
    // Writes a staff action's audit line before the action: false (and the panel says
    // why) when it cannot be written, and then the action is not done.
    bool audited(std::string_view event, std::string_view detail);
    // Counts, sync state and targets (cheap, every 2 s while the panel is open);
    // the panel adds the running score (on opening and after an export).
    void refresh_status(SteadyTime now);
    void refresh_panel(SteadyTime now);
    void export_now();
    void retry_refused(SteadyTime now);
    void leave_staff(SteadyTime now);
    // Trades the code the enrol screen took on a thread of its own (enrol_kiosk).
    void start_enrolment(std::string code);
    // Takes the exchange's outcome once it is there (polled each frame, never waited for).
    void collect_enrolment();

    const Questionnaire& questionnaire_;
    const ScoringPolicy& policy_;
    const KioskConfig& config_;
    SurveyTimings timings_;
    Store& store_;
    StoreIdentity identity_;
    bool store_recovered_;
    UiText text_;
    UiFontSizes fonts_;
    SurveyState state_;
    std::optional<StoreOutage> outage_;   // while the survey is unavailable: why, for staff
    std::string unrecorded_staff_event_;  // why a PIN pad event missed the audit log
    StaffAccess staff_;
    std::optional<std::string> pin_hash_;  // read when the pad opens (set-pin may run meanwhile)
    std::unique_ptr<PanelData> panel_;
    SteadyTime panel_status_at_{};
    HoursDecision hours_;                        // at the last customer frame
    std::optional<SteadyTime> hours_change_at_;  // hours_.next_change on the steady clock
    SteadyTime last_frame_at_{};  // when the last frame was drawn (the fade-in follows it)
    std::function<void()> sync_now_;
    std::function<void()> retry_refused_;
    std::function<void()> on_saved_;
    std::string ca_file_;
    std::future<Result<EnrolledDevice>> enrolment_;  // valid while a code is on its way
    void dump_texts(const paint::TextLog& texts);
    std::filesystem::path layout_dump_;
    std::filesystem::path text_dump_;
    std::string last_text_dump_;
    Screen drawn_screen_ = Screen::Welcome;  // by the last customer frame
    TextSize drawn_text_size_ = TextSize::Normal;
    StaffMode drawn_staff_mode_ = StaffMode::Closed;
    bool quit_ = false;
};

}  // namespace cx::kiosk
