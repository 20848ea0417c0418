// Over the ~400-line guide on purpose: this is the one place that applies the
// screens' actions (customer and staff) to the survey state machine, the store
// and the uploader, in order; split, that ordering would be spread over files.
#include "cx/kiosk/kiosk_app.hpp"

#include <imgui.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cx/kiosk/layout_dump.hpp"
#include "cx/kiosk/pin.hpp"
#include "cx/kiosk/removable_media.hpp"
#include "cx/kiosk/watchdog.hpp"
#include "layout.hpp"
#include "paint.hpp"
#include "screens.hpp"
#include "staff_screens.hpp"

#ifndef CX_VERSION
#define CX_VERSION "unknown"
#endif

namespace cx::kiosk {

namespace {

constexpr float kMinTargetMm = 15.0f;  // PRODUCT.md: targets for a finger, without glasses
constexpr std::chrono::seconds kPanelStatusEvery{2};

LockoutState persisted_lockout(Store& store) {
    auto state = store.lockout_state();
    if (state) return state.value();
    std::cerr << "cxkiosk: reading the staff lockout: " << state.error().message << std::endl;
    return {};
}

void log_store_error(const char* what, const Status& status) {
    if (!status) std::cerr << "cxkiosk: " << what << ": " << status.error().message << std::endl;
}

// The configured export folder first, then every removable medium mounted now.
std::vector<ExportTarget> export_targets(const KioskConfig& config) {
    std::vector<ExportTarget> targets;
    // Pills show the folder's own name; the full path is in the export message and audit log.
    auto label = [](const std::filesystem::path& folder) {
        auto name = folder.filename().string();
        return name.empty() ? folder.string() : name;
    };
    if (!config.export_dir.empty())
        targets.push_back({config.export_dir, label(config.export_dir)});
    for (const auto& mount : find_removable_media())
        targets.push_back({mount.path, label(mount.path)});
    return targets;
}

// The running score over every stored record, same library and policy as the server.
Result<ScoreSummary> running_score(Store& store, const Questionnaire& questionnaire,
                                   const ScoringPolicy& policy) {
    ScoreAccumulator accumulator(questionnaire, policy);
    ResponseParser parser(std::span<const Questionnaire>(&questionnaire, 1));
    Response response;
    std::int64_t cursor = 0;
    for (;;) {
        auto page = store.next_records(cursor, 1024);
        if (!page) return page.error();
        if (page.value().empty()) break;
        for (const auto& record : page.value()) {
            if (parser.parse(record.json, response)) accumulator.add(response);
        }
    }
    return accumulator.summarize();
}

// "writing /media/usb/kiosk-01-….xlsx: No space left on device" becomes "No space
// left on device (writing /media/usb/kiosk-01-….xlsx)": staff read the reason
// first, and the panel may shorten the path, never the reason.
std::string reason_first(const std::string& message) {
    const auto colon = message.rfind(": ");
    if (colon == std::string::npos) return message;
    return message.substr(colon + 2) + " (" + message.substr(0, colon) + ")";
}

// A UiText pattern with one %s.
std::string filled(const std::string& pattern, const std::string& text) {
    char line[1024];
    std::snprintf(line, sizeof line, pattern.c_str(), text.c_str());
    return line;
}

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
      store_recovered_(store_recovered),
      staff_(StaffAccessPolicy{}, persisted_lockout(store)) {}

KioskApp::~KioskApp() = default;

Status KioskApp::start(const UiFontSizes& fonts, const DisplayInfo& display) {
    fonts_ = fonts;
    if (!layout_dump_.empty()) {
        auto written = write_layout_dump(layout_dump_, display.width, display.height);
        if (!written) return written;
    }
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
    return Ok{};
}

void KioskApp::frame(SteadyTime now) {
    last_frame_at_ = now;
    paint::TextLog texts{
        {}, {fonts_.normal.heading, fonts_.normal.title, fonts_.large.heading, fonts_.large.title}};
    if (!fonts_.normal.headings_bold) texts.bold_fonts.clear();
    ImGui::GetIO().UserData = text_dump_.empty() ? nullptr : &texts;
    drawn_staff_mode_ = staff_.mode();  // what this frame draws; its actions may change it
    customer_or_staff_frame(now);
    ImGui::GetIO().UserData = nullptr;
    if (!text_dump_.empty()) dump_texts(texts);
}

void KioskApp::customer_or_staff_frame(SteadyTime now) {
    if (staff_.mode() != StaffMode::Closed) {
        drawn_text_size_ = TextSize::Normal;  // staff screens are always at the normal size
        staff_frame(now);
        if (staff_.mode() != StaffMode::Closed) return;
    }
    handle(event::Tick{}, now);
    const auto local_now = follow_opening_hours(now);
    drawn_screen_ = state_.screen;  // the events below may lead to the next one
    drawn_text_size_ = state_.text_size;
    const ScreenView view{state_,
                          questionnaire_,
                          config_,
                          text_,
                          fonts_,
                          timings_,
                          store_recovered_,
                          now,
                          state_.screen == Screen::Closed
                              ? opens_again(text_, local_now, hours_.next_change)
                              : LocalizedText{}};
    for (auto& event : draw_screen(view)) handle(std::move(event), now);
}

LocalTime KioskApp::follow_opening_hours(SteadyTime now) {
    const auto wall_now = std::chrono::system_clock::now();
    const auto local_now = to_local(wall_now);
    if (!config_.opening_hours) return local_now;
    hours_ = decide_hours(*config_.opening_hours, local_now);
    // The frame loop's steady clock wakes at the next change, however far away.
    hours_change_at_.reset();
    if (hours_.next_change) hours_change_at_ = now + (to_system(*hours_.next_change) - wall_now);
    handle(hours_.open ? Event{event::Open{}} : Event{event::Close{}}, now);
    return local_now;
}

void KioskApp::dump_texts(const paint::TextLog& texts) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& t : texts.texts) {
        list.push_back({{"text", t.text},
                        {"x0", t.rect.min.x},
                        {"y0", t.rect.min.y},
                        {"x1", t.rect.max.x},
                        {"y1", t.rect.max.y},
                        {"size", t.size},
                        {"bold", t.bold}});
    }
    auto json = nlohmann::json{
        {"screen", std::string(to_string(drawn_screen_))},
        {"staff", static_cast<int>(drawn_staff_mode_)},
        {"text_size", std::string(to_string(drawn_text_size_))},
        {"texts",
         list}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (json == last_text_dump_) return;
    // Renamed into place so a reader never sees half a file; no fsync: the frame
    // must not wait on the disk, and a test file need not survive a crash.
    auto temporary = text_dump_;
    temporary += ".tmp";
    std::ofstream out(temporary, std::ios::trunc);
    out << json << '\n';
    out.close();
    std::error_code renamed;
    if (out) std::filesystem::rename(temporary, text_dump_, renamed);
    if (!out || renamed) {
        std::cerr << "cxkiosk: --dump-texts " << text_dump_.string() << ": cannot write"
                  << std::endl;
        return;
    }
    last_text_dump_ = std::move(json);
}

std::optional<SteadyTime> KioskApp::wake_at(SteadyTime now) {
    if (staff_.mode() != StaffMode::Closed) {
        auto deadline = staff_.next_deadline();
        if (panel_) deadline = std::min(*deadline, panel_status_at_ + kPanelStatusEvery);
        // A code on its way: look for its outcome a few times a second.
        if (enrolment_.valid())
            deadline = std::min(*deadline, now + std::chrono::milliseconds(100));
        // The lockout countdown on the pad changes every second.
        if (staff_.lockout_seconds_left(std::chrono::system_clock::now()) > 0)
            deadline = std::min(*deadline, now + std::chrono::milliseconds(250));
        return deadline;
    }
    const auto shown_since = state_.screen == Screen::Question
                                 ? std::max(state_.screen_since, state_.advanced_at)
                                 : state_.screen_since;
    // Animating: frames back to back until one is drawn past the fade's end, so the
    // screen left standing has no veil however long a frame takes on a slow machine.
    if (last_frame_at_ < shown_since + kFadeIn) return now;
    auto deadline = next_deadline(state_, timings_, now);
    // Opening or closing time; while closed it is the only deadline (no redraw timer).
    return earliest(deadline, hours_change_at_);
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
        if (std::holds_alternative<action::Probe>(action)) probe(now);
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
        std::cerr << "cxkiosk: could not save a " << to_string(submission.status)
                  << " response: " << stored.error().message << std::endl;
        if (!outage_) {
            outage_ = StoreOutage{std::chrono::system_clock::now(), fault_of(stored.error()),
                                  stored.error().message, std::nullopt};
        }
    }
    // The thank-you screen only after the commit; any failure makes the survey unavailable.
    if (stored && submission.status != ResponseStatus::Complete) return;
    Event result = stored ? Event{event::SaveDone{}} : Event{event::SaveError{}};
    step(state_, result, now, questionnaire_, timings_);
}

void KioskApp::probe(SteadyTime now) {
    auto outcome = probe_writes(config_.data_dir, store_);
    const bool writable = outcome.writable;
    if (writable) {
        std::cerr << "cxkiosk: write probe passed" << std::endl;
    } else {
        std::cerr << "cxkiosk: write probe failed (" << to_string(outcome.fault)
                  << "): " << outcome.detail << std::endl;
    }
    if (outage_) {
        if (!writable) outage_->fault = outcome.fault;  // what stands in the way now
        outage_->last_probe = std::move(outcome);
    }
    step(state_, event::ProbeDone{writable}, now, questionnaire_, timings_);
    if (state_.screen != Screen::Unavailable && outage_) end_outage();
}

// Back to the welcome screen: the outage goes into the audit log (when it began, what
// failed), so an auditor sees the gap in the responses explained.
void KioskApp::end_outage() {
    const auto detail = nlohmann::json{
        {"since", format_utc_timestamp(std::chrono::floor<std::chrono::seconds>(outage_->since))},
        {"reason", std::string(to_string(outage_->fault))},
        {"error",
         outage_->detail}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::cerr << "cxkiosk: responses can be stored again after " << detail << std::endl;
    log_store_error("audit log", store_.audit("store_unavailable", detail));
    outage_.reset();
}

}  // namespace cx::kiosk

namespace cx::kiosk {

void KioskApp::request_staff_entry(SteadyTime now) {
    if (staff_.mode() != StaffMode::Closed) return;  // F10 on the open pad or panel: nothing
    auto hash = store_.pin_hash();
    if (hash) {
        pin_hash_ = hash.value();
    } else {
        std::cerr << "cxkiosk: reading the staff PIN: " << hash.error().message << std::endl;
        pin_hash_.reset();
    }
    staff_.request_entry(now);
    std::cerr << "cxkiosk: staff pin pad" << (pin_hash_ ? "" : " (no PIN set)") << std::endl;
}

void KioskApp::staff_frame(SteadyTime now) {
    collect_enrolment();
    if (staff_.tick(now)) return leave_staff(now);
    // Sync state, counts and mounted media follow what happens meanwhile (uploader, USB sticks).
    if (panel_ && now - panel_status_at_ >= kPanelStatusEvery) refresh_status(now);
    const auto wall_now = std::chrono::system_clock::now();
    static const PanelData kNoPanel;
    const StaffView view{staff_,
                         pin_hash_.has_value(),
                         static_cast<bool>(sync_now_),
                         panel_ ? *panel_ : kNoPanel,
                         questionnaire_,
                         config_,
                         text_,
                         fonts_.normal,
                         state_.lang,
                         CX_VERSION,
                         wall_now,
                         outage_ ? &*outage_ : nullptr,
                         timings_.probe_every};
    const bool was_panel = staff_.mode() == StaffMode::Panel;
    bool quit = false;
    for (const auto& action : draw_staff_screen(view)) {
        std::visit(
            [&](const auto& a) {
                using A = std::decay_t<decltype(a)>;
                // The enrol screen's keys go to its pad, never to the PIN.
                auto enrol_key = [&](EnrolEvent event) {
                    if (auto code = step(*panel_->enrol, std::move(event)))
                        start_enrolment(std::move(*code));
                };
                const bool enrolling = panel_ && panel_->enrol;
                if constexpr (std::is_same_v<A, staff_action::Digit>) {
                    if (enrolling) return enrol_key(enrol_event::Digit{a.digit});
                    if (pin_hash_) staff_.press_digit(a.digit, now, wall_now);
                } else if constexpr (std::is_same_v<A, staff_action::Erase>) {
                    if (enrolling) return enrol_key(enrol_event::Erase{});
                    staff_.erase_digit(now, wall_now);
                } else if constexpr (std::is_same_v<A, staff_action::Submit>) {
                    if (enrolling) return enrol_key(enrol_event::Submit{});
                    if (!pin_hash_) return;  // never opens the panel without a PIN
                    const std::string& hash = *pin_hash_;
                    staff_.submit([&](std::string_view pin) { return verify_pin(hash, pin); }, now,
                                  wall_now);
                } else if constexpr (std::is_same_v<A, staff_action::Cancel>) {
                    // Back to the panel, once the code is no longer on its way.
                    if (enrolling) {
                        if (panel_->enrol->phase != EnrolPad::Phase::Working) panel_->enrol.reset();
                        return;
                    }
                    staff_.cancel();
                } else if constexpr (std::is_same_v<A, staff_action::Touch>) {
                    staff_.touch(now);
                } else if constexpr (std::is_same_v<A, staff_action::SyncNow>) {
                    if (!sync_now_ || !panel_ || !audited("sync_requested", "by staff")) return;
                    sync_now_();
                    panel_->sync_requested = true;
                } else if constexpr (std::is_same_v<A, staff_action::RetryRefused>) {
                    retry_refused(now);
                } else if constexpr (std::is_same_v<A, staff_action::ChooseTarget>) {
                    if (panel_ && a.index < panel_->targets.size()) panel_->target = a.index;
                } else if constexpr (std::is_same_v<A, staff_action::ChooseFormat>) {
                    if (panel_) panel_->format = a.format;
                } else if constexpr (std::is_same_v<A, staff_action::Export>) {
                    export_now();
                } else if constexpr (std::is_same_v<A, staff_action::Leave>) {
                    staff_.leave();
                } else if constexpr (std::is_same_v<A, staff_action::Quit>) {
                    quit = staff_.mode() == StaffMode::Panel;
                } else if constexpr (std::is_same_v<A, staff_action::OpenEnrol>) {
                    if (panel_ && !enrolment_.valid()) panel_->enrol.emplace();
                }
            },
            action);
    }
    persist_staff_changes();
    if (!was_panel && staff_.mode() == StaffMode::Panel) {
        std::cerr << "cxkiosk: staff panel" << std::endl;
        store_recovered_ = false;  // staff have seen the panel; the welcome notice goes
        panel_ = std::make_unique<PanelData>();
        if (!unrecorded_staff_event_.empty())
            panel_->notice =
                filled(text_.audit_not_recorded.in(state_.lang), unrecorded_staff_event_);
        unrecorded_staff_event_.clear();
        refresh_panel(now);
    }
    if (quit) {
        // Never refused: quitting is the way out of a kiosk whose store is broken. When the
        // audit log cannot record it, the journal (stderr) does.
        std::cerr << "cxkiosk: quit by staff" << std::endl;
        log_store_error("audit log", store_.audit("staff_quit", "kiosk closed from staff mode"));
        quit_ = true;
    }
    if (staff_.mode() == StaffMode::Closed) leave_staff(now);
}

void KioskApp::start_enrolment(std::string code) {
    if (config_.server.empty()) {
        step(*panel_->enrol, enrol_event::Finished{Error{text_.enrol_no_server.in(state_.lang)}});
        return;
    }
    std::cerr << "cxkiosk: enrolling with " << config_.server << std::endl;
    // Staff hold the PIN: a kiosk enrolled already gets the new token (its key stays).
    EnrolmentRequest request{{config_.server, ca_file_}, std::move(code), config_.data_dir, true};
    enrolment_ = std::async(std::launch::async,
                            [request = std::move(request)] { return enrol_kiosk(request); });
}

void KioskApp::collect_enrolment() {
    using namespace std::chrono_literals;
    if (!enrolment_.valid() || enrolment_.wait_for(0s) != std::future_status::ready) return;
    auto outcome = enrolment_.get();
    if (outcome) {
        const auto& device = outcome.value();
        const auto detail = "org " + device.org + ", site " + device.site + ", device " +
                            device.device + " (token in " + config_.data_dir.string() + "/" +
                            kTokenFileName + ")";
        std::cerr << "cxkiosk: enrolled as " << detail << std::endl;
        log_store_error("audit log", store_.audit("enrolled", detail));
    } else {
        std::cerr << "cxkiosk: enrolment failed: " << outcome.error().message << std::endl;
    }
    // Staff mode may have timed out meanwhile: the outcome is then only logged.
    if (panel_ && panel_->enrol) step(*panel_->enrol, enrol_event::Finished{std::move(outcome)});
}

bool KioskApp::audited(std::string_view event, std::string_view detail) {
    auto logged = store_.audit(event, detail);
    if (logged) return true;
    std::cerr << "cxkiosk: " << event
              << " not done: the audit log refused it: " << logged.error().message << std::endl;
    if (panel_)
        panel_->notice =
            filled(text_.audit_refused.in(state_.lang), reason_first(logged.error().message));
    return false;
}

void KioskApp::persist_staff_changes() {
    for (const auto& event : staff_.take_events()) {
        std::cerr << "cxkiosk: " << event.name << ": " << event.detail << std::endl;
        auto logged = store_.audit(event.name, event.detail);
        log_store_error("audit log", logged);
        // What staff did at the pad has happened already; the panel says it went unrecorded.
        if (!logged) unrecorded_staff_event_ = reason_first(logged.error().message);
    }
    if (staff_.take_lockout_changed())
        log_store_error("saving the staff lockout", store_.save_lockout_state(staff_.lockout()));
}

void KioskApp::refresh_status(SteadyTime now) {
    auto& panel = *panel_;
    panel.store_error.clear();
    panel.data_dir_free = outage_ ? free_bytes(config_.data_dir) : std::nullopt;
    // What cannot be read is shown as unknown, never as the last value or zero.
    auto counts = store_.counts();
    panel.counts.reset();
    if (counts) {
        panel.counts = counts.value();
    } else {
        panel.store_error = counts.error().message;
    }
    auto sync = store_.last_sync();
    panel.last_sync.reset();
    if (sync) {
        panel.last_sync = std::move(sync.value());
    } else {
        panel.store_error = sync.error().message;
    }
    auto refusals = store_.latest_refusals(1);
    panel.latest_refusal.reset();
    if (refusals && !refusals.value().empty()) {
        panel.latest_refusal = refusals.value().front();
    } else if (!refusals) {
        panel.store_error = refusals.error().message;
    }
    // The chosen target stays chosen when a stick comes or goes.
    const auto chosen = panel.target < panel.targets.size() ? panel.targets[panel.target].folder
                                                            : std::filesystem::path();
    panel.targets = export_targets(config_);
    panel.target = 0;
    for (std::size_t i = 0; i < panel.targets.size(); ++i) {
        if (panel.targets[i].folder == chosen) panel.target = i;
    }
    panel_status_at_ = now;
}

void KioskApp::refresh_panel(SteadyTime now) {
    refresh_status(now);
    panel_->problem.clear();
    auto score = running_score(store_, questionnaire_, policy_);
    if (score) {
        panel_->score = std::move(score).value();
        panel_->score_decimals = policy_.decimals;
    } else {
        panel_->problem = score.error().message;
    }
}

// Staff ask for the refused records to be sent again: the uploader requeues them
// and sends at once; without one they go back to waiting in the store here.
void KioskApp::retry_refused(SteadyTime now) {
    if (!panel_) return;
    const Lang lang = state_.lang;
    if (retry_refused_) {
        if (!audited("retry_refused_requested", "by staff")) return;
        retry_refused_();
        panel_->retry_message = text_.retry_requested.in(lang);
    } else if (auto requeued = store_.requeue_refused()) {
        char message[256];
        std::snprintf(message, sizeof message, text_.retry_requeued.in(lang).c_str(),
                      static_cast<int>(requeued.value()));
        panel_->retry_message = message;
        std::cerr << "cxkiosk: " << requeued.value() << " refused records requeued by staff"
                  << std::endl;
    } else {
        panel_->store_error = requeued.error().message;
        std::cerr << "cxkiosk: requeueing refused records: " << requeued.error().message
                  << std::endl;
        return;
    }
    refresh_status(now);
}

void KioskApp::export_now() {
    if (!panel_ || panel_->targets.empty()) return;
    auto& panel = *panel_;
    const auto& folder = panel.targets[panel.target].folder;
    const auto out =
        folder / export_file_name(config_.device, panel.format, std::chrono::system_clock::now());
    auto exported = export_responses(store_, questionnaire_, policy_, panel.format, out);
    const Lang lang = state_.lang;
    char message[1024];
    if (exported) {
        std::snprintf(message, sizeof message, text_.export_done.in(lang).c_str(),
                      static_cast<int>(exported.value().records), out.filename().c_str());
        std::cerr << "cxkiosk: staff export " << out.string() << " sha256 "
                  << exported.value().file.sha256 << std::endl;
    } else {
        std::snprintf(message, sizeof message, text_.export_failed.in(lang).c_str(),
                      reason_first(exported.error().message).c_str());
        std::cerr << "cxkiosk: staff export failed: " << exported.error().message << std::endl;
    }
    panel.message = message;
    panel.message_is_error = !exported;
    refresh_panel(std::chrono::steady_clock::now());
}

void KioskApp::leave_staff(SteadyTime now) {
    persist_staff_changes();
    panel_.reset();
    pin_hash_.reset();
    std::cerr << "cxkiosk: staff mode closed" << std::endl;
    // A survey interrupted by staff is kept as incomplete; the kiosk starts over, unless
    // responses cannot be stored: then it stays unavailable until a write probe passes.
    handle(event::Shutdown{}, now);
    if (state_.screen != Screen::Unavailable) {
        state_ = SurveyState{};
        state_.screen_since = now;
    }
    std::cerr << "cxkiosk: screen " << to_string(state_.screen) << std::endl;
}

}  // namespace cx::kiosk
