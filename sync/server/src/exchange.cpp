// Routing a request line and fetching export pages (see exchange.hpp).
#include "exchange.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cx/scoring/csv_rows.hpp"
#include "cx/scoring/response.hpp"
#include "cx/server/console_shell.hpp"
#include "cx/sync/enrolment.hpp"

namespace cx {

namespace {

constexpr std::size_t kWorkbookPageBytes = 256 * 1024;

// The workbook file's next bytes (the caller holds no lock: see fetch_page).
Status read_workbook_page(ExportStream& stream) {
    std::string page(kWorkbookPageBytes, '\0');
    std::size_t filled = 0;
    while (filled < page.size()) {
        const auto got = ::read(stream.workbook.get(), page.data() + filled, page.size() - filled);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            std::lock_guard lock(stream.mutex);
            stream.failed = true;  // a cut export never looks whole
            return make_error(ErrorKind::Io,
                              std::string("cannot read the workbook: ") + std::strerror(errno));
        }
        if (got == 0) break;
        filled += static_cast<std::size_t>(got);
    }
    page.resize(filled);
    std::lock_guard lock(stream.mutex);
    stream.page = std::move(page);
    stream.offset = 0;
    stream.finished = filled < kWorkbookPageBytes;
    return Ok{};
}

}  // namespace

// Fetches the page after stream.after; the stream is not yet shared or its
// connection is suspended, so only this job touches it.
Status fetch_page(ExportStream& stream, ServerStore& store) {
    if (stream.workbook.get() >= 0) return read_workbook_page(stream);
    auto page = store.export_page(stream.query, stream.after, kExportPageRecords);
    std::lock_guard lock(stream.mutex);
    if (!page) {
        stream.failed = true;
        return page.error();
    }
    const bool first = !stream.after && stream.records == 0;
    stream.page.clear();
    stream.offset = 0;
    if (stream.csv) {
        if (first) append_csv_header(stream.page, *stream.csv);
        ResponseParser parser(std::span<const Questionnaire>(stream.csv, 1));
        Response response;
        for (const auto& line : page.value().lines) {
            if (auto parsed = parser.parse(line, response); !parsed) {
                stream.failed = true;  // a cut export never looks whole
                return parsed.error();
            }
            append_csv_row(stream.page, response, *stream.csv);
        }
    } else {
        for (const auto& line : page.value().lines) stream.page.append(line).push_back('\n');
    }
    stream.records += page.value().lines.size();
    stream.after = page.value().next;
    stream.finished = !stream.after;
    return Ok{};
}

std::pair<Route, std::string> route_of(std::string_view method, std::string_view path) {
    if (path == "/signin" || path == "/signout")
        return {method == "POST" ? Route::Form : Route::Unknown, {}};
    // The forms under an organisation's pages post to their own page's path.
    if (path.starts_with("/console/orgs/") && method == "POST") return {Route::Form, {}};
    if (method == "GET" && path.starts_with(kConsoleOrgsPrefix) &&
        (path.ends_with("/responses.jsonl") || path.ends_with("/responses.csv") ||
         path.ends_with("/responses.xlsx"))) {
        auto rest = path.substr(kConsoleOrgsPrefix.size());
        std::string org(rest.substr(0, rest.find('/')));
        if (rest.find('/') == rest.rfind('/') && is_valid_identifier(org))
            return {Route::ConsoleExport, org};
        return {Route::Unknown, {}};
    }
    if (path == "/" || path == "/console" || path.starts_with("/console/") ||
        path.starts_with("/assets/"))
        return {method == "GET" ? Route::Page : Route::Unknown, {}};
    if (path == kHealthPath) return {method == "GET" ? Route::Health : Route::Unknown, {}};
    if (path == kResponsesPath) return {method == "POST" ? Route::Upload : Route::Unknown, {}};
    if (path == kHeartbeatPath) return {method == "POST" ? Route::Heartbeat : Route::Unknown, {}};
    if (path == kEnrolPath) return {method == "POST" ? Route::Enrol : Route::Unknown, {}};
    if (path == kManagementPath) return {method == "GET" ? Route::Management : Route::Unknown, {}};
    constexpr std::string_view kOrgs = "/api/v1/orgs/";
    if (!path.starts_with(kOrgs)) return {Route::Unknown, {}};
    auto rest = path.substr(kOrgs.size());
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return {Route::Unknown, {}};
    std::string org(rest.substr(0, slash));
    if (!is_valid_identifier(org)) return {Route::Unknown, {}};
    auto leaf = rest.substr(slash);
    if (leaf == "/assessment" && method == "PUT") return {Route::SaveAssessment, org};
    if (method != "GET") return {Route::Unknown, {}};
    if (leaf == "/assessment") return {Route::Assessment, org};
    if (leaf == "/assessment/history") return {Route::AssessmentHistory, org};
    if (leaf == "/score") return {Route::Score, org};
    if (leaf == "/responses.jsonl") return {Route::Export, org};
    if (leaf == "/integrity") return {Route::Integrity, org};
    if (leaf == "/devices") return {Route::Devices, org};
    return {Route::Unknown, {}};
}

}  // namespace cx
