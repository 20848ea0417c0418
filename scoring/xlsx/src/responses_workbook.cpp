#include "cx/xlsx/responses_workbook.hpp"

#include <xlsxwriter.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <utility>

namespace cx {

namespace {

constexpr lxw_row_t kMaxRows = 1'048'576;  // Excel's limit per sheet

class Workbook {
  public:
    explicit Workbook(const std::filesystem::path& path) {
        lxw_workbook_options options{};
        options.constant_memory = LXW_TRUE;  // rows stream to disk: exports of any size stay small
        book_ = workbook_new_opt(path.c_str(), &options);
        if (!book_) return;
        header_ = workbook_add_format(book_);
        format_set_bold(header_);
        format_set_bg_color(header_, 0xDDEBF7);
        format_set_text_wrap(header_);
        title_ = workbook_add_format(book_);
        format_set_bold(title_);
        format_set_font_size(title_, 14);
        decimal_ = workbook_add_format(book_);
        format_set_num_format(decimal_, "0.00");
        alpha_ = workbook_add_format(book_);
        format_set_num_format(alpha_, "0.000");
    }
    Workbook(const Workbook&) = delete;
    Workbook& operator=(const Workbook&) = delete;
    ~Workbook() {
        if (book_) workbook_close(book_);
    }

    bool ok() const { return book_ != nullptr; }
    lxw_worksheet* add_sheet(const char* name) { return workbook_add_worksheet(book_, name); }
    // Writes the file; the workbook is gone afterwards.
    lxw_error close() { return workbook_close(std::exchange(book_, nullptr)); }

    lxw_format* header_ = nullptr;
    lxw_format* title_ = nullptr;
    lxw_format* decimal_ = nullptr;
    lxw_format* alpha_ = nullptr;

  private:
    lxw_workbook* book_ = nullptr;
};

std::string item_header(const Questionnaire& questionnaire, const Item& item) {
    const auto& characteristic =
        questionnaire.characteristics[*questionnaire.characteristic_index(item.characteristic)];
    std::string header = item.id + " " + characteristic.name.zh;
    if (!item.dimension.zh.empty()) header += "·" + item.dimension.zh;
    return header;
}

const char* const kRecordHeaders[] = {"序号 seq",
                                      "编号 id",
                                      "设备 device",
                                      "机构 org",
                                      "场所 site",
                                      "问卷 questionnaire",
                                      "语言 lang",
                                      "状态 status",
                                      "开始 started_at (UTC)",
                                      "提交 submitted_at (UTC)",
                                      "用时 duration_ms",
                                      "标记 flags"};

// `first_item`: the column of the questionnaire's first item, after the extra ones.
void write_response_row(lxw_worksheet* sheet, lxw_row_t row, const WorkbookRow& workbook_row,
                        const Questionnaire& questionnaire, lxw_col_t first_item) {
    const Response& r = workbook_row.response;
    lxw_col_t col = 0;
    worksheet_write_number(sheet, row, col++, static_cast<double>(r.seq), nullptr);
    worksheet_write_string(sheet, row, col++, r.id.c_str(), nullptr);
    for (const std::string* text : {&r.device, &r.org, &r.site, &r.questionnaire})
        worksheet_write_string(sheet, row, col++, text->c_str(), nullptr);
    worksheet_write_string(sheet, row, col++, std::string(to_string(r.lang)).c_str(), nullptr);
    worksheet_write_string(sheet, row, col++, std::string(to_string(r.status)).c_str(), nullptr);
    worksheet_write_string(sheet, row, col++, r.started_at.c_str(), nullptr);
    worksheet_write_string(sheet, row, col++, r.submitted_at.c_str(), nullptr);
    worksheet_write_number(sheet, row, col++, static_cast<double>(r.duration_ms), nullptr);
    std::string flags;
    for (const auto& flag : r.flags) flags += (flags.empty() ? "" : " ") + flag;
    worksheet_write_string(sheet, row, col++, flags.c_str(), nullptr);
    for (const auto& value : workbook_row.extra) {
        if (col == first_item) break;  // more values than the extra columns
        worksheet_write_string(sheet, row, col++, value.c_str(), nullptr);
    }
    for (const auto& answer : r.answers) {
        auto index = questionnaire.item_index(answer.item);
        if (!index) continue;
        auto item_col = static_cast<lxw_col_t>(first_item + *index);
        if (answer.level == kNotApplicable)
            worksheet_write_string(sheet, row, item_col, "N/A", nullptr);
        else
            worksheet_write_number(sheet, row, item_col, answer.level, nullptr);
    }
}

double to_display(const mpq_class& value, int decimals) {
    double scale = 1;
    for (int i = 0; i < decimals; ++i) scale *= 10;
    return static_cast<double>(round_half_up_scaled(value, decimals)) / scale;
}

void write_summary(Workbook& book, lxw_worksheet* sheet, const ScoreSummary& summary,
                   const Questionnaire& questionnaire, const ScoringPolicy& policy,
                   const WorkbookLayout& layout) {
    lxw_row_t row = 0;
    worksheet_set_column(sheet, 0, 0, 34, nullptr);
    worksheet_set_column(sheet, 1, 12, 14, nullptr);
    worksheet_write_string(sheet, row++, 0, "服务体验评分汇总 Service experience summary",
                           book.title_);
    auto pair = [&](const char* label, auto value) {
        worksheet_write_string(sheet, row, 0, label, book.header_);
        if constexpr (std::is_convertible_v<decltype(value), const char*>)
            worksheet_write_string(sheet, row, 1, value, nullptr);
        else
            worksheet_write_number(sheet, row, 1, static_cast<double>(value), nullptr);
        ++row;
    };
    for (const auto& [label, value] : layout.facts) pair(label.c_str(), value.c_str());
    pair("问卷 Questionnaire", questionnaire.id.c_str());
    pair("评分规则版本 Policy version", policy.version.c_str());
    pair("有效答卷 Respondents scored", summary.respondents);
    pair("排除答卷 Responses excluded", summary.excluded_total);
    for (const auto& [reason, count] : summary.excluded)
        pair(("  排除原因 excluded: " + reason).c_str(), count);
    worksheet_write_string(sheet, row, 0, "服务特性测评得分 Service score", book.header_);
    if (summary.service_score)
        worksheet_write_number(sheet, row, 1, to_display(*summary.service_score, policy.decimals),
                               book.decimal_);
    else
        worksheet_write_string(sheet, row, 1, "—", nullptr);
    ++row;
    if (summary.ci95) {
        worksheet_write_string(sheet, row, 0, "95% 置信区间 95% CI", book.header_);
        worksheet_write_number(sheet, row, 1, (*summary.ci95)[0], book.decimal_);
        worksheet_write_number(sheet, row, 2, (*summary.ci95)[1], book.decimal_);
        ++row;
    }
    if (summary.sd) {
        worksheet_write_string(sheet, row, 0, "标准差 Standard deviation", book.header_);
        worksheet_write_number(sheet, row, 1, *summary.sd, book.decimal_);
        ++row;
    }

    ++row;
    const char* characteristic_headers[] = {"服务特性 Characteristic", "满分 Max", "得分率 Percent",
                                            "得分 Points", "答题人数 Respondents"};
    for (lxw_col_t c = 0; c < 5; ++c)
        worksheet_write_string(sheet, row, c, characteristic_headers[c], book.header_);
    ++row;
    for (const auto& c : summary.characteristics) {
        worksheet_write_string(sheet, row, 0, (c.id + " " + c.name.zh + " " + c.name.en).c_str(),
                               nullptr);
        worksheet_write_number(sheet, row, 1, c.max_points, nullptr);
        if (c.percent) {
            worksheet_write_number(sheet, row, 2, to_display(*c.percent, policy.decimals),
                                   book.decimal_);
            worksheet_write_number(sheet, row, 3,
                                   to_display(*c.percent * c.max_points / 100, policy.decimals),
                                   book.decimal_);
        }
        worksheet_write_number(sheet, row, 4, static_cast<double>(c.respondents), nullptr);
        ++row;
    }

    ++row;
    const char* item_headers[] = {"题目 Item",    "平均体验系数 Mean α", "1 远低于预期",
                                  "2 低于预期",   "3 符合预期",          "4 高于预期",
                                  "5 远高于预期", "不适用 N/A"};
    for (lxw_col_t c = 0; c < 8; ++c)
        worksheet_write_string(sheet, row, c, item_headers[c], book.header_);
    ++row;
    for (std::size_t i = 0; i < summary.items.size(); ++i) {
        const auto& item = summary.items[i];
        worksheet_write_string(sheet, row, 0,
                               (item_header(questionnaire, questionnaire.items[i]) + " " +
                                questionnaire.items[i].question.zh)
                                   .c_str(),
                               nullptr);
        if (item.mean_alpha) worksheet_write_number(sheet, row, 1, *item.mean_alpha, book.alpha_);
        for (lxw_col_t level = 0; level < kLevels; ++level)
            worksheet_write_number(sheet, row, 2 + level, static_cast<double>(item.counts[level]),
                                   nullptr);
        worksheet_write_number(sheet, row, 7, static_cast<double>(item.not_applicable), nullptr);
        ++row;
    }
}

}  // namespace

Result<std::int64_t> write_responses_workbook(const std::filesystem::path& path,
                                              const Questionnaire& questionnaire,
                                              const ScoringPolicy& policy,
                                              const WorkbookLayout& layout,
                                              const WorkbookSource& next,
                                              const WorkbookSummary& summary) {
    Workbook book(path);
    if (!book.ok()) return make_error(ErrorKind::Io, "cannot create " + path.string());
    // Sheets are written in the order they were added; with constant_memory the
    // summary must therefore come second, after every row has been counted.
    lxw_worksheet* responses = book.add_sheet("答卷 Responses");
    lxw_worksheet* summary_sheet = book.add_sheet("汇总 Summary");
    lxw_col_t col = 0;
    for (const char* header : kRecordHeaders)
        worksheet_write_string(responses, 0, col++, header, book.header_);
    for (auto header : layout.extra_headers)
        worksheet_write_string(responses, 0, col++, std::string(header).c_str(), book.header_);
    for (const auto& item : questionnaire.items)
        worksheet_write_string(responses, 0, col++, item_header(questionnaire, item).c_str(),
                               book.header_);
    worksheet_freeze_panes(responses, 1, 0);
    const auto first_item =
        static_cast<lxw_col_t>(std::size(kRecordHeaders) + layout.extra_headers.size());

    ScoreAccumulator accumulator(questionnaire, policy);
    std::int64_t records = 0;
    WorkbookRow row;
    for (;;) {
        auto got = next(row);
        if (!got) return make_error(ErrorKind::Io, got.error().message);
        if (!got.value()) break;
        if (records + 1 >= static_cast<std::int64_t>(kMaxRows))
            return make_error(
                ErrorKind::Invalid,
                "more responses than an Excel sheet holds; export CSV or JSON Lines instead");
        write_response_row(responses, static_cast<lxw_row_t>(++records), row, questionnaire,
                           first_item);
        if (!summary) accumulator.add(row.response);
    }
    auto scored = summary ? summary() : Result<ScoreSummary>(accumulator.summarize());
    if (!scored) return make_error(ErrorKind::Io, scored.error().message);
    write_summary(book, summary_sheet, scored.value(), questionnaire, policy, layout);
    errno = 0;  // libxlsxwriter's errors do not name the system's reason (disk full…)
    if (auto error = book.close(); error != LXW_NO_ERROR) {
        const std::string reason = errno != 0 ? std::string(" (") + std::strerror(errno) + ")" : "";
        return make_error(ErrorKind::Io,
                          "cannot write " + path.string() + ": " + lxw_strerror(error) + reason);
    }
    return records;
}

}  // namespace cx
