#include "cx/server/export_file.hpp"

#include "cx/config/atomic_file.hpp"

namespace cx {

Result<std::size_t> export_to_file(ServerStore& store, const ResponseQuery& query,
                                   const std::filesystem::path& out) {
    auto file = AtomicFileWriter::create(out);
    if (!file) return file.error();
    constexpr std::size_t kFlushBytes = 1 << 20;
    std::string buffer;
    std::size_t written = 0;
    Status status = Ok{};
    auto walked = for_each_record(store, query, [&](std::string_view line) {
        buffer.append(line).push_back('\n');
        ++written;
        if (buffer.size() >= kFlushBytes && status) {
            status = file.value().write(buffer);
            buffer.clear();
        }
    });
    if (!walked) return walked.error();  // the writer's destructor removes the temporary file
    if (status) status = file.value().write(buffer);
    if (!status) return status.error();
    auto committed = file.value().commit();
    if (!committed) return committed.error();
    return written;
}

}  // namespace cx
