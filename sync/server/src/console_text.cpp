#include "cx/server/console_text.hpp"

#include <algorithm>
#include <array>
#include <cctype>

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
    {"迄今收到的全部答卷", "All responses received so far"},
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

std::string_view text(ConsoleText id, Lang lang) {
    const auto& wording = kTexts[static_cast<std::size_t>(id)];
    return lang == Lang::Zh ? wording.zh : wording.en;
}

}  // namespace cx
