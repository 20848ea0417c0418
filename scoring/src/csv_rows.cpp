#include "cx/scoring/csv_rows.hpp"

namespace cx {

namespace {

constexpr std::string_view kRecordFields[] = {
    "id",   "device", "org",        "site",         "seq",         "questionnaire",
    "lang", "status", "started_at", "submitted_at", "duration_ms", "flags"};

}  // namespace

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

void append_csv_header(std::string& out, const Questionnaire& questionnaire,
                       std::span<const std::string_view> extra) {
    out += "\xEF\xBB\xBF";  // BOM: Excel then reads UTF-8
    bool first = true;
    for (auto field : kRecordFields) {
        if (!first) out += ',';
        first = false;
        out += field;
    }
    for (auto field : extra) {
        out += ',';
        append_csv_field(out, field);
    }
    for (const auto& item : questionnaire.items) {
        out += ',';
        append_csv_field(out, item.id);
    }
    out += "\r\n";
}

void append_csv_row(std::string& out, const Response& r, const Questionnaire& questionnaire,
                    std::span<const std::string> extra) {
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
    for (const auto& cell : extra) {
        out += ',';
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

}  // namespace cx
