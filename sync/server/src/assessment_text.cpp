#include "cx/server/assessment_text.hpp"

#include <array>
#include <cstddef>

namespace cx {

namespace {

struct Wording {
    std::string_view zh;
    std::string_view en;
};

// In AssessText's order.
constexpr std::array<Wording, static_cast<std::size_t>(AssessText::Count_)> kTexts{{
    {"管理要求审核", "Management assessment"},
    {"成熟度等级说明（附录2）", "The maturity levels (附录2)"},
    {"管理要求", "Requirement"},
    {"分值", "Points"},
    {"管理要求符合性审查", "Conformity review"},
    {"通过", "Passed"},
    {"未通过", "Failed"},
    {"审核员", "Auditor"},
    {"审核日期", "Date"},
    {"备注", "Notes"},
    {"保存审核结果", "Save the assessment"},
    {"审核结果已保存。", "The assessment is saved."},
    {"表单有误，未保存：请修改标出的项目。",
     "Nothing was saved: please correct the field marked below."},
    {"保存记录", "History"},
    {"尚无审核记录。", "No assessment saved yet."},
    {"保存人", "Saved by"},
    {"保存时间", "Saved at"},
    {"管理要求得分", "Management points"},
    {"管理成熟度等级", "Management level"},
    {"认证级别", "Certification grade"},
    {"认证级别", "Grade"},
    {"无（未达到任何级别）", "none (no grade reached)"},
    {"尚未录入管理要求审核，不判定认证级别。",
     "No management assessment yet: no grade is decided."},
    {"未达到", "Not reached"},
    {"要求", "required"},
    {"实际", "actual"},
    {"服务特性测评得分", "Service score"},
    {"管理成熟度等级", "Management level"},
    {"管理要求符合性审查", "Conformity review"},
    {"完整性警告", "Integrity warning"},
    {"录入管理要求审核", "Enter the management assessment"},
    {"仅认证审核员可录入管理要求审核。", "Only a certifier may enter the management assessment."},
    {"认证报告", "Certification report"},
    {"统计期间", "Period"},
    {"场所", "Site"},
    {"全部场所", "all sites"},
    {"评分规则版本", "Policy version"},
    {"样本量（受访人数）", "Sample size (respondents)"},
    {"打印日期", "Printed"},
    {"完整性审计通过：所有设备的记录链完整，无缺失、分叉或未知密钥。",
     "Integrity audit passed: every device's chain of records is whole, without gaps, forks or "
     "unknown keys."},
    {"管理要求审核", "Management assessment"},
    {"查看", "Show"},
    {"等级", "Level"},
    {"导出 JSONL", "Export JSONL"},
    {"导出 CSV", "Export CSV"},
    {"导出 Excel（XLSX）", "Export Excel (XLSX)"},
}};

}  // namespace

std::string_view text(AssessText id, Lang lang) {
    const auto& wording = kTexts[static_cast<std::size_t>(id)];
    return lang == Lang::Zh ? wording.zh : wording.en;
}

}  // namespace cx
