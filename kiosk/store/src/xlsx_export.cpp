#include "cx/kiosk/xlsx_export.hpp"

#include <cstdio>

#include "cx/xlsx/responses_workbook.hpp"

namespace cx {

namespace {

// The workbook's temporary file: removed when the export ends without publishing
// it (after a successful rename there is nothing left to remove).
struct TemporaryFile {
    std::filesystem::path path;
    explicit TemporaryFile(std::filesystem::path p) : path(std::move(p)) {}
    ~TemporaryFile() { std::remove(path.c_str()); }
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;
};

constexpr std::string_view kUploadHeaders[] = {"上传 upload_state", "拒收 refusal"};

}  // namespace

Result<XlsxExport> write_xlsx_export(const std::filesystem::path& out,
                                     const Questionnaire& questionnaire,
                                     const ScoringPolicy& policy, const ResponseSource& next,
                                     const BeforePublish& before_publish) {
    const TemporaryFile temp(temporary_path_for(out));
    ExportRow export_row;
    auto rows = [&](WorkbookRow& row) -> Result<bool> {
        auto got = next(export_row);
        if (!got || !got.value()) return got;
        row.response = std::move(export_row.response);
        row.extra = {std::move(export_row.upload_state), std::move(export_row.refusal)};
        return true;
    };
    auto records = write_responses_workbook(temp.path, questionnaire, policy,
                                            {.extra_headers = kUploadHeaders, .facts = {}}, rows);
    if (!records) return records.error();
    auto published = publish_file(temp.path, out, before_publish);
    if (!published) return published.error();
    return XlsxExport{std::move(published).value(), records.value()};
}

}  // namespace cx
