#include "console_workbook.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <span>
#include <vector>

#include "cx/scoring/response.hpp"
#include "cx/xlsx/responses_workbook.hpp"
#include "exchange.hpp"

namespace cx {

OwnedFd& OwnedFd::operator=(OwnedFd&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

OwnedFd::~OwnedFd() {
    if (fd_ >= 0) ::close(fd_);
}

namespace {

// The summary's first lines: what was selected, and when.
std::vector<std::pair<std::string, std::string>> selection_facts(const ResponseQuery& query) {
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    return {{"机构 Organisation", query.org},
            {"期间 Period", query.from.value_or("…") + " – " + query.to.value_or("…")},
            {"场所 Site", query.site.value_or("全部 all")},
            {"导出 Exported (UTC)", format_utc_timestamp(now)}};
}

}  // namespace

Result<ConsoleWorkbook> write_console_workbook(ApiService& api, const ResponseQuery& query) {
    std::string name = (std::filesystem::temp_directory_path() / "cx-workbook-XXXXXX").string();
    OwnedFd made(::mkstemp(name.data()));
    if (made.get() < 0)
        return make_error(ErrorKind::Io, "cannot create a temporary file in " +
                                             std::filesystem::temp_directory_path().string() +
                                             ": " + std::strerror(errno));
    // Gone with this scope whatever happens: the open descriptor keeps its bytes.
    struct Unlink {
        const std::string& path;
        ~Unlink() { ::unlink(path.c_str()); }
    } unlink_at_end{name};

    const auto& questionnaire = api.config().questionnaire;
    ResponseParser parser(std::span<const Questionnaire>(&questionnaire, 1));
    std::optional<ExportCursor> after;
    std::vector<std::string> lines;
    std::size_t next_line = 0;
    bool at_end = false;
    auto rows = [&](WorkbookRow& row) -> Result<bool> {
        while (next_line == lines.size()) {
            if (at_end) return false;
            auto page = api.store().export_page(query, after, kExportPageRecords);
            if (!page) return page.error();
            lines = std::move(page.value().lines);
            next_line = 0;
            after = page.value().next;
            at_end = !after;
        }
        if (auto parsed = parser.parse(lines[next_line++], row.response); !parsed)
            return parsed.error();
        return true;
    };
    auto records = write_responses_workbook(name, questionnaire, api.config().policy,
                                            {.extra_headers = {}, .facts = selection_facts(query)},
                                            rows, [&] { return api.score_summary(query); });
    if (!records) return records.error();
    // libxlsxwriter wrote the file under its name (replacing mkstemp's empty one).
    OwnedFd file(::open(name.c_str(), O_RDONLY | O_CLOEXEC));
    if (file.get() < 0)
        return make_error(ErrorKind::Io, "cannot read back " + name + ": " + std::strerror(errno));
    return ConsoleWorkbook{std::move(file), records.value()};
}

}  // namespace cx
