#include "cx/kiosk/ui_text.hpp"

namespace cx::kiosk {

std::vector<NamedText> displayed_texts(const Questionnaire& questionnaire,
                                       const KioskConfig& config, const UiText& ui) {
    std::vector<NamedText> texts;
    auto add = [&](std::string name, const LocalizedText& text) {
        texts.push_back({name + ".zh", text.zh});
        texts.push_back({std::move(name) + ".en", text.en});
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
    for (const auto& [name, text] :
         {std::pair<const char*, const LocalizedText&>{"start", ui.start},
          {"tap_anywhere", ui.tap_anywhere},
          {"language_zh", ui.language_zh},
          {"language_en", ui.language_en},
          {"progress", ui.progress},
          {"back", ui.back},
          {"exit_survey", ui.exit_survey},
          {"still_there", ui.still_there},
          {"touch_to_continue", ui.touch_to_continue},
          {"continue_survey", ui.continue_survey},
          {"returning_in", ui.returning_in},
          {"thank_you", ui.thank_you},
          {"thank_you_detail", ui.thank_you_detail},
          {"save_failed", ui.save_failed},
          {"save_failed_detail", ui.save_failed_detail},
          {"store_recovered", ui.store_recovered}}) {
        add(std::string("ui text ") + name, text);
    }
    return texts;
}

}  // namespace cx::kiosk
