#include "cx/kiosk/export.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cx/response.hpp"

namespace cx::kiosk {

std::optional<ExportFormat> parse_export_format(std::string_view name) {
    if (name == "jsonl") return ExportFormat::Jsonl;
    if (name == "csv") return ExportFormat::Csv;
    return std::nullopt;
}

void append_csv_field(std::string& out, std::string_view field) {
    if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
        out += field;
        return;
    }
    out += '"';
    for (char c : field) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

namespace {

constexpr std::string_view kCsvFields[] = {"id",         "device",        "org",         "site",
                                           "seq",        "questionnaire", "lang",        "status",
                                           "started_at", "submitted_at",  "duration_ms", "flags"};

void append_csv_row(std::string& out, const Response& r, const Questionnaire& questionnaire) {
    std::string flags;
    for (const auto& flag : r.flags) flags += (flags.empty() ? "" : ";") + flag;
    const std::string cells[] = {r.id,
                                 r.device,
                                 r.org,
                                 r.site,
                                 std::to_string(r.seq),
                                 r.questionnaire,
                                 std::string(to_string(r.lang)),
                                 std::string(to_string(r.status)),
                                 r.started_at,
                                 r.submitted_at,
                                 std::to_string(r.duration_ms),
                                 flags};
    bool first = true;
    for (const auto& cell : cells) {
        if (!first) out += ',';
        first = false;
        append_csv_field(out, cell);
    }
    for (const auto& item : questionnaire.items) {
        out += ',';
        for (const auto& answer : r.answers) {
            if (answer.item != item.id) continue;
            out += answer.level == kNotApplicable ? "N/A" : std::to_string(answer.level);
        }
    }
    out += "\r\n";
}

Status write_all(int fd, std::string_view data, const std::string& name) {
    while (!data.empty()) {
        const auto written = ::write(fd, data.data(), data.size());
        if (written < 0 && errno == EINTR) continue;
        if (written < 0) return Error{name + ": write failed: " + std::strerror(errno)};
        data.remove_prefix(static_cast<std::size_t>(written));
    }
    return Ok{};
}

// temp file -> fsync -> rename -> fsync(dir): `out` is never half written.
Status write_file_durably(const std::filesystem::path& out, std::string_view content) {
    const auto temp = out.string() + ".tmp-" + std::to_string(::getpid());
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Error{temp + ": cannot create: " + std::strerror(errno)};
    auto written = write_all(fd, content, temp);
    if (written && ::fsync(fd) != 0)
        written = Error{temp + ": fsync failed: " + std::strerror(errno)};
    ::close(fd);
    if (written && ::rename(temp.c_str(), out.c_str()) != 0) {
        written = Error{out.string() + ": cannot rename into place: " + std::strerror(errno)};
    }
    if (!written) {
        ::unlink(temp.c_str());
        return written;
    }
    const auto dir = out.has_parent_path() ? out.parent_path().string() : std::string(".");
    if (const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
    return Ok{};
}

}  // namespace

Result<std::size_t> export_responses(Store& store, const Questionnaire& questionnaire,
                                     ExportFormat format, const std::filesystem::path& out) {
    std::string content;
    std::size_t count = 0;
    if (format == ExportFormat::Csv) {
        content = "\xEF\xBB\xBF";  // BOM: Excel then reads UTF-8
        bool first = true;
        for (auto field : kCsvFields) {
            if (!first) content += ',';
            first = false;
            content += field;
        }
        for (const auto& item : questionnaire.items) {
            content += ',';
            append_csv_field(content, item.id);
        }
        content += "\r\n";
    }
    ResponseParser parser(std::span<const Questionnaire>(&questionnaire, 1));
    Response response;
    auto visited = store.for_each_record([&](std::string_view line) -> Status {
        ++count;
        if (format == ExportFormat::Jsonl) {
            content.append(line).append("\n");
            return Ok{};
        }
        if (auto parsed = parser.parse(line, response); !parsed) {
            return Error{"record " + std::to_string(count) + ": " + parsed.error().message};
        }
        append_csv_row(content, response, questionnaire);
        return Ok{};
    });
    if (!visited) return visited.error();
    if (auto written = write_file_durably(out, content); !written) return written.error();
    return count;
}

}  // namespace cx::kiosk
