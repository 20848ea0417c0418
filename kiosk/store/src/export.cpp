#include "cx/kiosk/export.hpp"

#include <nlohmann/json.hpp>

#include "cx/kiosk/xlsx_export.hpp"
#include "cx/scoring/csv_rows.hpp"
#include "cx/scoring/response.hpp"

namespace cx::kiosk {

std::optional<ExportFormat> parse_export_format(std::string_view name) {
    for (auto format : kExportFormats) {
        if (name == to_string(format)) return format;
    }
    return std::nullopt;
}

std::string_view to_string(ExportFormat format) {
    switch (format) {
        case ExportFormat::Jsonl:
            return "jsonl";
        case ExportFormat::Csv:
            return "csv";
        case ExportFormat::Xlsx:
            return "xlsx";
    }
    return "unknown";
}

std::string export_file_name(std::string_view device, ExportFormat format,
                             std::chrono::system_clock::time_point now) {
    std::string stamp = format_utc_timestamp(std::chrono::floor<std::chrono::seconds>(now));
    std::erase(stamp, ':');  // FAT/exFAT sticks refuse ':' in names
    return "cxkiosk-" + std::string(device) + "-" + stamp + "." + std::string(to_string(format));
}

namespace {

// Where each record's upload stands: the kiosk's columns after the record's.
constexpr std::string_view kUploadColumns[] = {"upload_state", "refusal"};
constexpr std::size_t kPageSize = 512;        // records read per store call
constexpr std::size_t kFlushBytes = 1 << 16;  // written to the file in blocks of about this size

// The store's records one at a time, read a page at a time (the store's lock
// is not held while the file is written).
class RecordReader {
  public:
    explicit RecordReader(Store& store) : store_(store) {}

    // The next record, or null at the end or on an error (see error()).
    const LoggedRecord* next() {
        if (index_ == page_.size()) {
            auto page = store_.next_records(cursor_, kPageSize);
            if (!page) {
                error_ = page.error();
                return nullptr;
            }
            page_ = std::move(page).value();
            index_ = 0;
            if (page_.empty()) return nullptr;
        }
        ++count_;
        return &page_[index_++];
    }
    std::int64_t count() const { return count_; }
    const std::optional<Error>& error() const { return error_; }

  private:
    Store& store_;
    std::int64_t cursor_ = 0;
    std::vector<LoggedRecord> page_;
    std::size_t index_ = 0;
    std::int64_t count_ = 0;
    std::optional<Error> error_;
};

// The export stops when the store cannot be read: the file would be short. The
// store's kind is kept (exit 4, as below).
Error source_failed(const Error& error) {
    return Error{"the store could not be read: " + error.message, 0, error.kind};
}

// A stored record the current questionnaire cannot read: bad data (exit 3).
Error unreadable_record(std::int64_t number, const Error& error) {
    return make_error(ErrorKind::Invalid,
                      "record " + std::to_string(number) + ": " + error.message);
}

Result<ExportResult> write_text_export(RecordReader& records, const Questionnaire& questionnaire,
                                       ExportFormat format, const std::filesystem::path& out,
                                       const BeforePublish& audit) {
    auto writer = AtomicFileWriter::create(out);
    if (!writer) return writer.error();
    std::string block;
    if (format == ExportFormat::Csv) append_csv_header(block, questionnaire, kUploadColumns);
    ResponseParser parser(std::span<const Questionnaire>(&questionnaire, 1));
    Response response;
    while (const auto* record = records.next()) {
        if (format == ExportFormat::Jsonl) {
            block.append(record->json).append("\n");  // the canonical records, nothing added
        } else if (auto parsed = parser.parse(record->json, response); parsed) {
            const std::string upload[] = {std::string(to_string(record->state)), record->refusal};
            append_csv_row(block, response, questionnaire, upload);
        } else {
            return unreadable_record(records.count(), parsed.error());
        }
        if (block.size() >= kFlushBytes) {
            if (auto written = writer.value().write(block); !written) return written.error();
            block.clear();
        }
    }
    if (records.error()) return source_failed(*records.error());
    if (auto written = writer.value().write(block); !written) return written.error();
    auto committed = writer.value().commit(audit);
    if (!committed) return committed.error();
    return ExportResult{records.count(), std::move(committed).value()};
}

Result<ExportResult> write_xlsx(RecordReader& records, const Questionnaire& questionnaire,
                                const ScoringPolicy& policy, const std::filesystem::path& out,
                                const BeforePublish& audit) {
    ResponseParser parser(std::span<const Questionnaire>(&questionnaire, 1));
    auto next = [&](ExportRow& row) -> Result<bool> {
        const auto* record = records.next();
        if (!record) {
            if (records.error()) return source_failed(*records.error());
            return false;
        }
        row.upload_state = to_string(record->state);
        row.refusal = record->refusal;
        if (auto parsed = parser.parse(record->json, row.response); !parsed)
            return unreadable_record(records.count(), parsed.error());
        return true;
    };
    auto written = write_xlsx_export(out, questionnaire, policy, next, audit);
    if (!written) return written.error();
    return ExportResult{written.value().records, std::move(written).value().file};
}

std::string export_audit_detail(const ExportResult& result, ExportFormat format) {
    nlohmann::json detail{{"file", result.file.path.string()},
                          {"format", to_string(format)},
                          {"records", result.records},
                          {"bytes", result.file.bytes},
                          {"sha256", result.file.sha256}};
    return detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Result<ExportResult> export_responses(Store& store, const Questionnaire& questionnaire,
                                      const ScoringPolicy& policy, ExportFormat format,
                                      const std::filesystem::path& out) {
    RecordReader records(store);
    // Recorded once the file's bytes are safe and before it takes its name: an export the
    // audit log cannot name does not happen (the file never appears), and the store's
    // kind is kept, so `cxkiosk export` exits 4 (store), not 7 (output file).
    const BeforePublish audit = [&](const WrittenFile& file) -> Status {
        auto logged = store.audit("export", export_audit_detail({records.count(), file}, format));
        if (logged) return logged;
        return Error{"the audit log cannot record the export, so " + out.string() +
                         " was not written: " + logged.error().message,
                     0, logged.error().kind};
    };
    return format == ExportFormat::Xlsx
               ? write_xlsx(records, questionnaire, policy, out, audit)
               : write_text_export(records, questionnaire, format, out, audit);
}

}  // namespace cx::kiosk
