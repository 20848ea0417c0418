#pragma once
// Every string the kiosk shows that is not from the questionnaire, in both
// languages. Startup checks each against the font and builds the atlas from them.
#include <vector>

#include "cx/font.hpp"
#include "cx/kiosk/kiosk_config.hpp"
#include "cx/questionnaire.hpp"

namespace cx::kiosk {

struct UiText {
    LocalizedText start{"开始评价", "Start"};
    LocalizedText tap_anywhere{"轻触屏幕开始", "Tap anywhere to begin"};
    LocalizedText language_zh{"中文", "中文"};
    LocalizedText language_en{"English", "English"};
    LocalizedText progress{"第 %d 题，共 %d 题", "Question %d of %d"};  // %d: current, total
    LocalizedText back{"上一题", "Back"};
    LocalizedText exit_survey{"返回首页", "Start over"};
    LocalizedText still_there{"还在吗？", "Still there?"};
    LocalizedText touch_to_continue{"轻触屏幕继续作答", "Touch the screen to carry on"};
    LocalizedText continue_survey{"继续", "Continue"};
    // %d: seconds left
    LocalizedText returning_in{"%d 秒后返回首页", "Back to the start in %d s"};
    LocalizedText thank_you{"谢谢您的评价！", "Thank you!"};
    LocalizedText thank_you_detail{"您的意见将帮助我们改进服务",
                                   "Your answers help us improve our service"};
    LocalizedText save_failed{"抱歉，未能保存您的评价", "Sorry, your answers could not be saved"};
    LocalizedText save_failed_detail{"请告知工作人员", "Please let a member of staff know"};
    // Until staff mode exists, the welcome screen carries this (details: stderr, audit log).
    LocalizedText store_recovered{"请联系管理员：数据存储曾损坏，已另存备份并新建",
                                  "For staff: the data store was damaged, kept aside and replaced"};
};

// Everything the kiosk may draw: questionnaire wording, the kiosk config's
// names, the UI text; each named for the font check's error message.
std::vector<NamedText> displayed_texts(const Questionnaire& questionnaire,
                                       const KioskConfig& config, const UiText& ui);

}  // namespace cx::kiosk
