#include "cx/kiosk/ui_text.hpp"

#include <cstdio>

namespace cx::kiosk {

namespace {

void add_both(std::vector<NamedText>& texts, std::string name, const LocalizedText& text) {
    texts.push_back({name + ".zh", text.zh});
    texts.push_back({std::move(name) + ".en", text.en});
}

}  // namespace

std::vector<NamedText> title_texts(const KioskConfig& config, const UiText& ui) {
    std::vector<NamedText> texts;
    add_both(texts, "kiosk config org_name", config.org_name);
    for (const auto& [name, text] :
         {std::pair<const char*, const LocalizedText&>{"start", ui.start},
          {"still_there", ui.still_there},
          {"thank_you", ui.thank_you},
          {"answers_not_saved", ui.answers_not_saved},
          {"unavailable", ui.unavailable},
          {"closed", ui.closed}}) {
        add_both(texts, std::string("ui text ") + name, text);
    }
    return texts;
}

std::vector<NamedText> displayed_texts(const Questionnaire& questionnaire,
                                       const KioskConfig& config, const UiText& ui) {
    std::vector<NamedText> texts;
    auto add = [&](std::string name, const LocalizedText& text) {
        add_both(texts, std::move(name), text);
    };
    add("kiosk config org_name", config.org_name);
    add("kiosk config invitation", config.invitation);
    add("questionnaire title", questionnaire.title);
    add("questionnaire not_applicable", questionnaire.not_applicable_label);
    for (std::size_t i = 0; i < questionnaire.level_labels.size(); ++i) {
        add("questionnaire level " + std::to_string(i + 1), questionnaire.level_labels[i]);
    }
    for (const auto& item : questionnaire.items)
        add("questionnaire item " + item.id, item.question);
    for (const auto& characteristic : questionnaire.characteristics)
        add("questionnaire characteristic " + characteristic.id, characteristic.name);
    for (const auto& [name, text] :
         {std::pair<const char*, const LocalizedText&>{"start", ui.start},
          {"tap_anywhere", ui.tap_anywhere},
          {"language_zh", ui.language_zh},
          {"language_en", ui.language_en},
          {"text_larger", ui.text_larger},
          {"text_standard", ui.text_standard},
          {"progress", ui.progress},
          {"back", ui.back},
          {"exit_survey", ui.exit_survey},
          {"still_there", ui.still_there},
          {"touch_to_continue", ui.touch_to_continue},
          {"continue_survey", ui.continue_survey},
          {"returning_in", ui.returning_in},
          {"thank_you", ui.thank_you},
          {"thank_you_detail", ui.thank_you_detail},
          {"answers_not_saved", ui.answers_not_saved},
          {"unavailable", ui.unavailable},
          {"store_recovered", ui.store_recovered},
          {"staff_title", ui.staff_title},
          {"pin_prompt", ui.pin_prompt},
          {"pin_wrong", ui.pin_wrong},
          {"pin_locked", ui.pin_locked},
          {"pin_not_set", ui.pin_not_set},
          {"pad_erase", ui.pad_erase},
          {"pad_ok", ui.pad_ok},
          {"pad_cancel", ui.pad_cancel},
          {"responses_heading", ui.responses_heading},
          {"count_today", ui.count_today},
          {"count_week", ui.count_week},
          {"count_total", ui.count_total},
          {"count_incomplete", ui.count_incomplete},
          {"count_flagged", ui.count_flagged},
          {"count_waiting", ui.count_waiting},
          {"sync_heading", ui.sync_heading},
          {"sync_never", ui.sync_never},
          {"sync_ok", ui.sync_ok},
          {"sync_failed", ui.sync_failed},
          {"sync_now", ui.sync_now},
          {"sync_requested", ui.sync_requested},
          {"sync_refused", ui.sync_refused},
          {"retry_refused", ui.retry_refused},
          {"retry_requested", ui.retry_requested},
          {"retry_requeued", ui.retry_requeued},
          {"store_error", ui.store_error},
          {"sync_unavailable", ui.sync_unavailable},
          {"score_heading", ui.score_heading},
          {"score_ci", ui.score_ci},
          {"score_counted", ui.score_counted},
          {"score_none", ui.score_none},
          {"export_heading", ui.export_heading},
          {"export_to", ui.export_to},
          {"export_format", ui.export_format},
          {"export_button", ui.export_button},
          {"export_no_target", ui.export_no_target},
          {"export_done", ui.export_done},
          {"export_failed", ui.export_failed},
          {"identity_line", ui.identity_line},
          {"leave_staff", ui.leave_staff},
          {"quit_kiosk", ui.quit_kiosk},
          {"enrol_button", ui.enrol_button},
          {"enrol_title", ui.enrol_title},
          {"enrol_prompt", ui.enrol_prompt},
          {"enrol_working", ui.enrol_working},
          {"enrol_done", ui.enrol_done},
          {"enrol_restart", ui.enrol_restart},
          {"enrol_failed", ui.enrol_failed},
          {"enrol_no_server", ui.enrol_no_server},
          {"enrol_back", ui.enrol_back},
          {"outage_heading", ui.outage_heading},
          {"outage_reason", ui.outage_reason},
          {"outage_since", ui.outage_since},
          {"outage_free", ui.outage_free},
          {"outage_free_unknown", ui.outage_free_unknown},
          {"outage_probe_failed", ui.outage_probe_failed},
          {"outage_probe_passed", ui.outage_probe_passed},
          {"outage_recovers", ui.outage_recovers},
          {"fault_disk_full", ui.fault_disk_full},
          {"fault_read_only", ui.fault_read_only},
          {"fault_io_error", ui.fault_io_error},
          {"fault_other", ui.fault_other},
          {"audit_refused", ui.audit_refused},
          {"audit_not_recorded", ui.audit_not_recorded},
          {"closed", ui.closed},
          {"opens_today", ui.opens_today},
          {"opens_tomorrow", ui.opens_tomorrow},
          {"opens_on", ui.opens_on}}) {
        add(std::string("ui text ") + name, text);
    }
    for (std::size_t day = 0; day < ui.weekdays.size(); ++day)
        add("ui text weekday " + std::string(kDayKeys[day]), ui.weekdays[day]);
    return texts;
}

LocalizedText opens_again(const UiText& text, LocalTime now, std::optional<LocalTime> opens) {
    if (!opens) return {};
    using std::chrono::days;
    const auto opening_day = std::chrono::floor<days>(*opens);
    const auto days_ahead = (opening_day - std::chrono::floor<days>(now)).count();
    const auto clock = clock_text(static_cast<int>((*opens - opening_day).count()));
    auto format = [&](const std::string& pattern, const std::string& day_name) {
        char line[128];
        if (day_name.empty()) {
            std::snprintf(line, sizeof line, pattern.c_str(), clock.c_str());
        } else {
            std::snprintf(line, sizeof line, pattern.c_str(), day_name.c_str(), clock.c_str());
        }
        return std::string(line);
    };
    if (days_ahead == 0) return {format(text.opens_today.zh, ""), format(text.opens_today.en, "")};
    if (days_ahead == 1)
        return {format(text.opens_tomorrow.zh, ""), format(text.opens_tomorrow.en, "")};
    const auto weekday = std::chrono::weekday(opening_day).iso_encoding() - 1;
    const auto& name = text.weekdays[weekday];
    return {format(text.opens_on.zh, name.zh), format(text.opens_on.en, name.en)};
}

}  // namespace cx::kiosk
