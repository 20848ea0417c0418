#pragma once
// The staff screens: PIN pad and panel. Like the customer's screens they see
// only ImGui and a read-only view, and return what staff did as actions that
// KioskApp applies (store, export, uploader).
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cx/kiosk/export.hpp"
#include "cx/kiosk/kiosk_config.hpp"
#include "cx/kiosk/platform.hpp"
#include "cx/kiosk/staff_access.hpp"
#include "cx/kiosk/store.hpp"
#include "cx/kiosk/ui_text.hpp"
#include "cx/kiosk/write_probe.hpp"
#include "cx/scoring/scoring.hpp"
#include "cx/sync/outbox.hpp"
#include "enrol_pad.hpp"

namespace cx::kiosk {

struct ExportTarget {
    std::filesystem::path folder;
    std::string label;  // what the pill shows
};

// What the panel shows; computed when it opens, after each action and (counts,
// sync state, targets) every 2 s while it is open, never per frame.
struct PanelData {
    std::optional<StoreCounts> counts;
    std::optional<SyncReport> last_sync;
    std::optional<RefusalEntry> latest_refusal;  // the newest record the server refused
    std::optional<ScoreSummary> score;
    int score_decimals = 2;  // the policy's rounding, as in the server's report
    // The store could not be read: the panel says "store error" with this reason
    // instead of counts or a sync state it does not have.
    std::string store_error;
    std::string problem;  // the running score could not be computed
    std::vector<ExportTarget> targets;
    std::size_t target = 0;
    ExportFormat format = ExportFormat::Xlsx;
    std::string message;  // result of the last export
    bool message_is_error = false;
    bool sync_requested = false;
    std::string retry_message;  // what "retry refused" did
    // An action refused because its audit line could not be written, or a login that
    // went unrecorded: shown at the bottom left until the next one.
    std::string notice;
    std::optional<std::uint64_t> data_dir_free;  // bytes, while the survey is unavailable
    // While set, the panel shows the enrol screen (its numeric pad) instead.
    std::optional<EnrolPad> enrol;
};

struct StaffView {
    const StaffAccess& access;
    bool pin_set;
    bool sync_available;  // an uploader is running
    const PanelData& panel;
    const Questionnaire& questionnaire;
    const KioskConfig& config;
    const UiText& text;
    const UiFonts& fonts;
    Lang lang;
    std::string_view version;
    std::chrono::system_clock::time_point wall_now;
    const StoreOutage* outage;  // set while responses cannot be stored
    Millis probe_every;         // how often the kiosk tries writing meanwhile
};

namespace staff_action {
struct Digit {
    char digit;
};
struct Erase {};
struct Submit {};
struct Cancel {};
struct Touch {};  // any input in the panel keeps it open
struct SyncNow {};
struct RetryRefused {};
struct ChooseTarget {
    std::size_t index;
};
struct ChooseFormat {
    ExportFormat format;
};
struct Export {};
struct Leave {};
struct Quit {};
struct OpenEnrol {};
}  // namespace staff_action

using StaffAction = std::variant<staff_action::Digit, staff_action::Erase, staff_action::Submit,
                                 staff_action::Cancel, staff_action::Touch, staff_action::SyncNow,
                                 staff_action::RetryRefused, staff_action::ChooseTarget,
                                 staff_action::ChooseFormat, staff_action::Export,
                                 staff_action::Leave, staff_action::Quit, staff_action::OpenEnrol>;

// Draws the pad or the panel (whichever access.mode() says; in the panel, the enrol
// screen while panel.enrol is set) over the whole display. On the PIN pad and the
// enrol screen, Digit/Erase/Submit/Cancel are that screen's keys.
std::vector<StaffAction> draw_staff_screen(const StaffView& view);

}  // namespace cx::kiosk
