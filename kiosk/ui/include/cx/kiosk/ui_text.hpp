#pragma once
// Every string the kiosk shows that is not from the questionnaire, in both
// languages. Startup checks each against the font and builds the atlas from them.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "cx/assets/font.hpp"
#include "cx/kiosk/kiosk_config.hpp"
#include "cx/scoring/questionnaire.hpp"

namespace cx::kiosk {

struct UiText {
    LocalizedText start{"开始评价", "Start"};
    LocalizedText tap_anywhere{"轻触屏幕开始", "Tap anywhere to begin"};
    LocalizedText language_zh{"中文", "中文"};
    LocalizedText language_en{"English", "English"};
    // The large-text button: what it switches to (大字模式 off, then on).
    LocalizedText text_larger{"大字 A+", "A+ Large text"};
    LocalizedText text_standard{"标准字 A−", "A− Standard"};
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
    // The unavailable screen (a response could not be stored) shows both languages,
    // Chinese first; the first line only to the customer who just answered.
    LocalizedText answers_not_saved{"您刚才的评价未能保存",
                                    "The answers you just gave were not saved"};
    LocalizedText unavailable{"暂停服务 — 请告知工作人员",
                              "Temporarily unavailable — please tell the staff"};
    // The closed screen (outside the opening hours) shows both languages, Chinese first.
    LocalizedText closed{"暂停服务", "Closed"};
    // %s: "08:30"; today, tomorrow, or a weekday (%s first: the day's name)
    LocalizedText opens_today{"今天 %s 开放", "Opens today %s"};
    LocalizedText opens_tomorrow{"明天 %s 开放", "Opens tomorrow %s"};
    LocalizedText opens_on{"%s %s 开放", "Opens %s %s"};
    std::array<LocalizedText, 7> weekdays{{{"周一", "Monday"},
                                           {"周二", "Tuesday"},
                                           {"周三", "Wednesday"},
                                           {"周四", "Thursday"},
                                           {"周五", "Friday"},
                                           {"周六", "Saturday"},
                                           {"周日", "Sunday"}}};
    // The welcome screen carries this until staff open the panel (details: audit log).
    LocalizedText store_recovered{"请联系管理员：数据存储曾损坏，已另存备份并新建",
                                  "For staff: the data store was damaged, kept aside and replaced"};

    // Staff mode (printf formats: %d seconds / counts, %s text and scores)
    LocalizedText staff_title{"员工模式", "Staff mode"};
    LocalizedText pin_prompt{"请输入员工密码", "Enter the staff PIN"};
    LocalizedText pin_wrong{"密码错误，请重试", "Wrong PIN, try again"};
    LocalizedText pin_locked{"错误次数过多，请 %d 秒后再试", "Too many wrong PINs: wait %d s"};
    LocalizedText pin_not_set{"未设置密码 — 请运行 cxkiosk set-pin",
                              "No PIN set — run cxkiosk set-pin"};
    LocalizedText pad_erase{"删除", "Erase"};
    LocalizedText pad_ok{"确定", "OK"};
    LocalizedText pad_cancel{"取消", "Cancel"};
    LocalizedText responses_heading{"答卷", "Responses"};
    LocalizedText count_today{"今天", "Today"};
    LocalizedText count_week{"近 7 天", "Last 7 days"};
    LocalizedText count_total{"总计", "Total"};
    LocalizedText count_incomplete{"未完成", "Incomplete"};
    LocalizedText count_flagged{"已标记", "Flagged"};
    LocalizedText count_waiting{"待上传", "Waiting to upload"};
    LocalizedText sync_heading{"上传同步", "Upload"};
    LocalizedText sync_never{"尚未同步", "Not synced yet"};
    LocalizedText sync_ok{"上次同步成功：%s", "Last sync OK: %s"};
    LocalizedText sync_failed{"上次同步失败：%s（HTTP %d）", "Last sync failed: %s (HTTP %d)"};
    LocalizedText sync_now{"立即同步", "Sync now"};
    LocalizedText sync_requested{"已请求同步", "Sync requested"};
    // %d: how many; %s: the server's latest "code: detail"
    LocalizedText sync_refused{"被服务器拒收：%d 条 — %s", "Refused by the server: %d — %s"};
    LocalizedText retry_refused{"重新提交拒收", "Retry refused"};
    LocalizedText retry_requested{"已请求重新提交", "Retry requested"};
    LocalizedText retry_requeued{"已重新排队 %d 条", "%d requeued"};
    LocalizedText store_error{"存储错误：%s", "Store error: %s"};
    LocalizedText sync_unavailable{"上传未启用（未配置服务器，或尚未登记）",
                                   "Uploading is off (no server configured, or not enrolled)"};
    LocalizedText score_heading{"服务得分", "Service score"};
    LocalizedText score_ci{"95%% 置信区间 %s – %s", "95%% CI %s – %s"};
    LocalizedText score_counted{"%d 位受访者 · 排除 %d 份", "%d respondents · %d excluded"};
    LocalizedText score_none{"暂无可计分的答卷", "No scorable responses yet"};
    LocalizedText export_heading{"导出", "Export"};
    LocalizedText export_to{"位置", "To"};
    LocalizedText export_format{"格式", "Format"};
    LocalizedText export_button{"导出", "Export"};
    LocalizedText export_no_target{"没有导出位置：请插入U盘或设置 export_dir",
                                   "No target: insert a USB stick or set export_dir"};
    LocalizedText export_done{"已导出 %d 条：%s", "Exported %d records: %s"};
    LocalizedText export_failed{"导出失败：%s", "Export failed: %s"};
    LocalizedText identity_line{"设备 %s · 机构 %s · 网点 %s · 版本 %s",
                                "Device %s · org %s · site %s · version %s"};
    LocalizedText leave_staff{"退出员工模式", "Leave staff mode"};
    LocalizedText quit_kiosk{"关闭程序", "Quit kiosk"};
    // Enrolment by one-time code (%s: org, site, device; or the reason)
    LocalizedText enrol_button{"登记本机", "Enrol kiosk"};
    LocalizedText enrol_title{"登记本机", "Enrol this kiosk"};
    LocalizedText enrol_prompt{"请输入登记码（cxserver enrol-code）",
                               "Enter the enrolment code (cxserver enrol-code)"};
    LocalizedText enrol_working{"正在登记...", "Enrolling..."};
    LocalizedText enrol_done{"已登记：机构 %s · 网点 %s · 设备 %s",
                             "Enrolled: org %s · site %s · device %s"};
    LocalizedText enrol_restart{"下次启动时使用新的上传令牌",
                                "Uploads use the new token from the next start"};
    LocalizedText enrol_failed{"登记失败：%s", "Enrolment failed: %s"};
    LocalizedText enrol_no_server{"未配置服务器（设置文件中的 server）",
                                  "No server configured (server in the settings)"};
    LocalizedText enrol_back{"返回", "Back"};
    // The panel while the survey is unavailable (%s: a reason, a time, a size, a detail)
    LocalizedText outage_heading{"暂停服务：答卷无法保存",
                                 "Out of service: responses cannot be saved"};
    LocalizedText outage_reason{"原因：%s", "Reason: %s"};
    LocalizedText outage_since{"开始于 %s", "Since %s"};
    LocalizedText outage_free{"数据目录可用空间：%s", "Free space in the data dir: %s"};
    LocalizedText outage_free_unknown{"数据目录可用空间：未知",
                                      "Free space in the data dir: unknown"};
    LocalizedText outage_probe_failed{"上次写入检查 %s：失败 — %s",
                                      "Last write check %s: failed — %s"};
    LocalizedText outage_probe_passed{"上次写入检查 %s：成功", "Last write check %s: passed"};
    LocalizedText outage_recovers{"恢复写入后自动回到首页（每 %d 秒检查一次）",
                                  "Returns to the welcome screen by itself once writing works "
                                  "(checked every %d s)"};
    LocalizedText fault_disk_full{"磁盘已满", "disk full"};
    LocalizedText fault_read_only{"存储为只读", "storage is read-only"};
    LocalizedText fault_io_error{"磁盘读写错误", "disk I/O error"};
    LocalizedText fault_other{"存储错误", "store error"};
    // A staff action whose audit line cannot be written is not done (%s: the reason).
    LocalizedText audit_refused{"未执行：无法写入审计日志（%s）",
                                "Not done: the audit log cannot be written (%s)"};
    LocalizedText audit_not_recorded{
        "本次登录未能写入审计日志（%s）",
        "This staff login could not be recorded in the audit log (%s)"};
};

// "明天 08:30 开放" / "Opens tomorrow 08:30" for the closed screen, seen at `now`;
// empty texts when it does not open again (every day closed).
LocalizedText opens_again(const UiText& text, LocalTime now, std::optional<LocalTime> opens);

// Everything the kiosk may draw: questionnaire wording, the kiosk config's
// names, the UI text; each named for the font check's error message.
std::vector<NamedText> displayed_texts(const Questionnaire& questionnaire,
                                       const KioskConfig& config, const UiText& ui);

// The few of them drawn in the title font (besides ASCII: the PIN pad's digits, the
// score). The title font's glyphs are the atlas's largest, in two sizes: it bakes only these.
std::vector<NamedText> title_texts(const KioskConfig& config, const UiText& ui);

}  // namespace cx::kiosk
