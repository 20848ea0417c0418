// The floor `bench_cxscore.sh` measures cxscore against (issue 10): the least work
// any reader of a responses file must do. One thread reads the file in 16 MiB
// chunks into one reused padded buffer, cuts each chunk at its last newline and
// runs simdjson's on-demand iterate_many over those whole lines, touching each
// record's "answers" object and nothing else. It counts the records and the
// answers' fields (printed, so the work cannot be optimized away).
//
//   bench_json_floor FILE      prints "records R answers A"; exit 1 on any error
#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

constexpr std::size_t kChunkBytes = std::size_t{16} << 20;

struct Counts {
    std::uint64_t records = 0;
    std::uint64_t answers = 0;
};

// Counts the records of `lines` (whole lines, padded) and their answers' fields.
bool count_lines(simdjson::ondemand::parser& parser, const char* lines, std::size_t size,
                 Counts& counts) {
    simdjson::ondemand::document_stream stream;
    if (auto error =
            parser.iterate_many(lines, size, simdjson::dom::DEFAULT_BATCH_SIZE).get(stream)) {
        std::fprintf(stderr, "bench_json_floor: %s\n", simdjson::error_message(error));
        return false;
    }
    for (auto document : stream) {
        simdjson::ondemand::object answers;
        if (auto error = document["answers"].get_object().get(answers)) {
            std::fprintf(stderr, "bench_json_floor: record %llu: %s\n",
                         static_cast<unsigned long long>(counts.records + 1),
                         simdjson::error_message(error));
            return false;
        }
        for (auto field : answers) {
            if (field.error()) {
                std::fprintf(stderr, "bench_json_floor: record %llu: %s\n",
                             static_cast<unsigned long long>(counts.records + 1),
                             simdjson::error_message(field.error()));
                return false;
            }
            ++counts.answers;
        }
        ++counts.records;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: bench_json_floor FILE\n");
        return 2;
    }
    int fd = ::open(argv[1], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        std::fprintf(stderr, "bench_json_floor: %s: %s\n", argv[1], std::strerror(errno));
        return 1;
    }
    simdjson::ondemand::parser parser;
    parser.threaded = false;  // the floor is one thread: no stage-1 thread ahead of it
    std::vector<char> buffer(kChunkBytes + simdjson::SIMDJSON_PADDING);
    std::size_t filled = 0;  // bytes in the buffer: the tail of the last chunk, then new ones
    Counts counts;
    for (bool eof = false; !eof || filled > 0;) {
        while (!eof && filled < kChunkBytes) {
            auto got = ::read(fd, buffer.data() + filled, kChunkBytes - filled);
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) {
                std::fprintf(stderr, "bench_json_floor: read: %s\n", std::strerror(errno));
                return 1;
            }
            eof = got == 0;
            filled += static_cast<std::size_t>(got);
        }
        std::size_t lines = filled;
        if (!eof) {
            auto* last = static_cast<const char*>(memrchr(buffer.data(), '\n', filled));
            if (!last) {
                std::fprintf(stderr, "bench_json_floor: a line longer than 16 MiB\n");
                return 1;
            }
            lines = static_cast<std::size_t>(last - buffer.data()) + 1;
        }
        // simdjson reads ahead into the bytes after the lines (the tail, the padding)
        // but never parses them.
        if (lines > 0 && !count_lines(parser, buffer.data(), lines, counts)) return 1;
        filled -= lines;
        std::memmove(buffer.data(), buffer.data() + lines, filled);
    }
    ::close(fd);
    std::printf("records %llu answers %llu\n", static_cast<unsigned long long>(counts.records),
                static_cast<unsigned long long>(counts.answers));
    return 0;
}
