#include "cx/server/console_text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace cx {

namespace {

struct Wording {
    std::string_view zh;
    std::string_view en;
};

// In ConsoleText's order.
constexpr std::array<Wording, static_cast<std::size_t>(ConsoleText::Count_)> kTexts{{
    {"认证管理台", "Certification console"},
    {"登录", "Sign in"},
    {"用户名", "Name"},
    {"密码", "Password"},
    {"退出登录", "Sign out"},
    {"当前用户", "Signed in as"},
    {"用户名或密码错误。", "Wrong name or password."},
    {"登录失败次数过多，请稍后再试。", "Too many failed sign-ins. Please try again later."},
    {"机构", "Organisations"},
    {"暂无机构。", "No organisations yet."},
    {"全部机构", "All organisations"},
    {"机构", "Organisation"},
    {"受访人数", "Respondents"},
    {"服务得分", "Service score"},
    {"95% 置信区间", "95 % confidence interval"},
    {"排除的答卷", "Excluded responses"},
    {"特性", "Characteristic"},
    {"百分比", "Percent"},
    {"得分", "Points"},
    {"满分", "Maximum"},
    {"尚无答卷。", "No responses yet."},
    {"表单已失效", "Form rejected"},
    {"此表单不是由本管理台发出，或已经失效。请返回并刷新页面后重试。",
     "This form did not come from this console or has expired. Go back, reload the page and "
     "try again."},
    {"无法读取表单。", "The form could not be read."},
    {"未找到", "Not found"},
    {"没有这个页面，或您无权查看。", "There is no such page, or you may not see it."},
    {"暂时无法服务", "Temporarily unavailable"},
    {"服务器暂时无法读取数据，请稍后再试。",
     "The server cannot read its data right now. Please try again shortly."},
    {"认证审核员", "Certifier"},
    {"查看者", "Viewer"},
    {"从", "From"},
    {"至（不含当日）", "To (not included)"},
    {"站点", "Site"},
    {"全部站点", "All sites"},
    {"显示", "Show"},
    {"未选择期间时显示最近 90 天（含今天，按 UTC 日期）。",
     "Without a choice: the last 90 days, today included (UTC days)."},
    {"期间无效：日期须为 YYYY-MM-DD，开始须早于结束，站点须为有效名称。",
     "The period is not valid: days are YYYY-MM-DD, from comes before to, and a site is a valid "
     "name."},
    {"等级", "Grade"},
    {"尚无管理评估", "no management assessment yet"},
    {"管理成熟度得分", "Management maturity"},
    {"静默设备", "Devices silent"},
    {"完整性问题", "Integrity problems"},
    {"六项特性得分", "The characteristics' points"},
    {"各题目的等级分布", "Levels given per item"},
    {"每周得分趋势", "Weekly score trend"},
    {"每点为该周（期间很长时为数周）的服务得分，竖线为其 95% 置信区间；没有受访者的周留空。",
     "Each point is the service score of a week (several weeks for a long period), its line the 95 "
     "% confidence interval; weeks without respondents are gaps."},
    {"排除的答卷（按原因）", "Excluded responses by reason"},
    {"本期间没有排除的答卷。", "No response was excluded in this period."},
    {"原因", "Reason"},
    {"数量", "Count"},
    {"站点与设备", "Sites and devices"},
    {"设备", "Device"},
    {"状态", "Status"},
    {"本期间记录", "Records in period"},
    {"全部记录", "Records in all"},
    {"缺口", "Gaps"},
    {"分叉", "Forks"},
    {"密钥信任", "Key trust"},
    {"状态为当前状态；缺口、分叉与密钥信任针对设备的全部记录。",
     "Status is as of now; gaps, forks and key trust cover all of a device's records."},
}};

}  // namespace

Lang lang_from_accept_language(std::string_view header) {
    std::size_t start = 0;
    while (start < header.size()) {
        auto end = std::min(header.find(',', start), header.size());
        auto range = header.substr(start, end - start);
        start = end + 1;
        while (!range.empty() && range.front() == ' ') range.remove_prefix(1);
        auto primary = range.substr(0, std::min({range.find('-'), range.find(';'), range.size()}));
        if (primary.size() != 2) continue;
        const char lowered[2] = {static_cast<char>(std::tolower(primary[0])),
                                 static_cast<char>(std::tolower(primary[1]))};
        if (auto lang = parse_lang({lowered, 2})) return *lang;
    }
    return Lang::Zh;
}

std::string key_text(std::string_view key, Lang lang) {
    static constexpr std::pair<std::string_view, Wording> kKeys[] = {
        // The policy's excluded flags (config/policy.json), the integrity section's reasons.
        {"incomplete", {"未答完", "not finished"}},
        {"speeder", {"答题过快", "answered too fast"}},
        {"burst", {"同一设备连续提交过密", "too soon after the device's previous response"}},
        {"unsigned", {"无设备签名", "not signed by the device"}},
        {"bad_signature", {"签名无效", "signature does not verify"}},
        {"wrong_key", {"非本设备密钥签名", "signed by a key not the device's"}},
        // GET …/devices: a device's status and its reasons (cx/server/fleet_report.hpp).
        {"ok", {"正常", "ok"}},
        {"silent", {"失联", "silent"}},
        {"attention", {"需关注", "needs attention"}},
        {"refused", {"有被拒收的记录", "records refused"}},
        {"low_disk", {"磁盘空间不足", "low on disk space"}},
        {"clock", {"时钟偏差", "clock off"}},
    };
    for (const auto& [known, wording] : kKeys)
        if (known == key)
            return std::string(lang == Lang::Zh ? wording.zh : wording.en) + " (" +
                   std::string(key) + ")";
    return std::string(key);
}

std::string_view text(ConsoleText id, Lang lang) {
    const auto& wording = kTexts[static_cast<std::size_t>(id)];
    return lang == Lang::Zh ? wording.zh : wording.en;
}

}  // namespace cx
