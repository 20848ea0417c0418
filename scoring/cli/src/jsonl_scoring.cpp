#include "cx/scoring/jsonl_scoring.hpp"

#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <future>
#include <optional>

namespace cx {

namespace {

// Owns an open file descriptor (standard input is borrowed, never closed).
class InputFile {
  public:
    static Result<InputFile> open(const std::filesystem::path& path) {
        if (path == "-") return InputFile(STDIN_FILENO, false);
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return Error{std::string("cannot open: ") + std::strerror(errno)};
        return InputFile(fd, true);
    }
    InputFile(InputFile&& other) noexcept : fd_(other.fd_), owned_(other.owned_) {
        other.owned_ = false;
    }
    InputFile& operator=(InputFile&&) = delete;
    ~InputFile() {
        if (owned_) ::close(fd_);
    }

    // Fills [data, data + size) as far as the file allows; returns bytes read (0 at EOF).
    Result<std::size_t> read_up_to(char* data, std::size_t size) {
        std::size_t total = 0;
        while (total < size) {
            auto n = ::read(fd_, data + total, size - total);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return Error{std::string("read error: ") + std::strerror(errno)};
            if (n == 0) break;
            total += static_cast<std::size_t>(n);
        }
        return total;
    }

  private:
    InputFile(int fd, bool owned) : fd_(fd), owned_(owned) {}
    int fd_;
    bool owned_;
};

// One thread's share of the work: its own parser, record, integrity checks and
// (when scoring) accumulator.
struct Worker {
    Worker(const Questionnaire& questionnaire, const ScoringPolicy* policy,
           const integrity::DeviceKeys* keys)
        : parser({&questionnaire, 1}), integrity(keys) {
        if (policy) accumulator.emplace(questionnaire, *policy);
    }

    ResponseParser parser;
    Response response;
    integrity::RecordIntegrity integrity;
    std::optional<ScoreAccumulator> accumulator;
    std::int64_t error_count = 0;
    std::vector<LineError> errors;  // line numbers relative to the range scanned
    std::int64_t lines = 0;         // lines in the range scanned

    // Scans the lines of [begin, end); `readable_end` bounds the bytes simdjson may read ahead.
    void scan(const char* begin, const char* end, const char* readable_end,
              std::size_t max_errors) {
        errors.clear();
        lines = 0;
        for (const char* at = begin; at < end;) {
            ++lines;
            auto* newline =
                static_cast<const char*>(std::memchr(at, '\n', static_cast<std::size_t>(end - at)));
            const char* line_end = newline ? newline : end;
            std::string_view text(at, static_cast<std::size_t>(line_end - at));
            at = newline ? newline + 1 : end;
            if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
            if (text.empty()) {
                fail(lines, "blank line (expected a JSON object)", max_errors);
                continue;
            }
            auto status =
                parser.parse(text, response,
                             static_cast<std::size_t>(readable_end - (text.data() + text.size())));
            if (!status)
                fail(lines, status.error().message, max_errors);
            else if (error_count == 0 && integrity.admit(response, lines) && accumulator)
                accumulator->add(response);
        }
    }

    void fail(std::int64_t line, std::string message, std::size_t max_errors) {
        ++error_count;
        if (errors.size() < max_errors) errors.push_back({line, std::move(message)});
    }
};

// Moves the worker's errors and rejected seals of the block it scanned into the
// totals, its line numbers made absolute.
void collect(JsonlScan& scan, integrity::RecordIntegrity& integrity, Worker& worker,
             std::size_t max_errors) {
    for (auto& error : worker.errors) {
        if (scan.errors.size() >= max_errors) break;
        scan.errors.push_back({scan.lines + error.line, std::move(error.message)});
    }
    auto problems = worker.integrity.take_problems();
    for (auto& problem : problems) problem.line += scan.lines;
    integrity.add_problems(std::move(problems));
    scan.lines += worker.lines;
}

// Scores into `accumulator` when it is given (with `policy`); checks integrity always.
Result<JsonlScan> scan_jsonl_file(const std::filesystem::path& path,
                                  const Questionnaire& questionnaire, const ScoringPolicy* policy,
                                  ScoreAccumulator* accumulator,
                                  integrity::RecordIntegrity& integrity,
                                  const JsonlOptions& options) {
    auto opened = InputFile::open(path);
    if (!opened) return opened.error();
    auto& file = opened.value();

    Worker first(questionnaire, policy, integrity.keys());
    Worker second(questionnaire, policy, integrity.keys());
    std::size_t capacity = std::max<std::size_t>(options.chunk_bytes, 1024);
    // Two buffers: the next chunk is read while the second half of this one is parsed.
    std::array<std::vector<char>, 2> buffers;
    for (auto& buffer : buffers) buffer.resize(capacity + simdjson::SIMDJSON_PADDING);
    std::size_t current = 0;
    std::size_t filled = 0;
    bool eof = false;
    JsonlScan scan;

    // Reads into buffers[index] after its first `filled` bytes, up to capacity.
    auto read_into = [&](std::size_t index, std::size_t& count) -> Status {
        auto got = file.read_up_to(buffers[index].data() + count, capacity - count);
        if (!got) return got.error();
        count += got.value();
        eof = count < capacity;
        return Ok{};
    };
    if (auto status = read_into(current, filled); !status) return status.error();

    while (filled > 0) {
        auto& buffer = buffers[current];
        char* data = buffer.data();
        // Whole lines only; the tail waits for the next read unless the file ended.
        std::size_t block = filled;
        if (!eof) {
            auto* last = static_cast<char*>(memrchr(data, '\n', filled));
            if (!last) {  // one line longer than the buffer: make room for it
                capacity *= 2;
                buffer.resize(capacity + simdjson::SIMDJSON_PADDING);
                if (auto status = read_into(current, filled); !status) return status.error();
                continue;
            }
            block = static_cast<std::size_t>(last - data) + 1;
        }
        auto* middle_newline =
            static_cast<char*>(std::memchr(data + block / 2, '\n', block - block / 2));
        std::size_t split =
            middle_newline ? static_cast<std::size_t>(middle_newline - data) + 1 : block;
        const char* readable_end = buffer.data() + buffer.size();

        std::future<void> later;
        if (options.parallel && split < block)
            later = std::async(std::launch::async, [&] {
                second.scan(data + split, data + block, readable_end, options.max_listed_errors);
            });
        first.scan(data, data + split, readable_end, options.max_listed_errors);

        auto& next = buffers[1 - current];
        if (next.size() < buffer.size()) next.resize(buffer.size());
        std::size_t next_filled = filled - block;
        std::memcpy(next.data(), data + block, next_filled);
        Status read_status = Ok{};
        if (!eof) read_status = read_into(1 - current, next_filled);

        if (later.valid())
            later.get();
        else
            second.scan(data + split, data + block, readable_end, options.max_listed_errors);
        if (!read_status) return read_status.error();
        collect(scan, integrity, first, options.max_listed_errors);
        collect(scan, integrity, second, options.max_listed_errors);
        current = 1 - current;
        filled = next_filled;
    }
    scan.error_count = first.error_count + second.error_count;
    if (scan.error_count == 0) {
        for (auto* worker : {&first, &second}) {
            if (accumulator) accumulator->merge(*worker->accumulator);
            integrity.merge(std::move(worker->integrity));
        }
    }
    return scan;
}

}  // namespace

Result<JsonlScan> score_jsonl_file(const std::filesystem::path& path,
                                   const Questionnaire& questionnaire, const ScoringPolicy& policy,
                                   ScoreAccumulator& accumulator,
                                   integrity::RecordIntegrity& integrity,
                                   const JsonlOptions& options) {
    return scan_jsonl_file(path, questionnaire, &policy, &accumulator, integrity, options);
}

Result<JsonlScan> audit_jsonl_file(const std::filesystem::path& path,
                                   const Questionnaire& questionnaire,
                                   integrity::RecordIntegrity& integrity,
                                   const JsonlOptions& options) {
    return scan_jsonl_file(path, questionnaire, nullptr, nullptr, integrity, options);
}

}  // namespace cx
