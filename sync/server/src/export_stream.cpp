// Export streaming: an export is sent page by page from libmicrohttpd's read
// callback; when a page is used up, a job fetches the next while the
// connection is suspended. Each page must be taken within --timeout plus its
// size at the slowest accepted rate.
#include <microhttpd.h>

#include <cstring>

#include "server_impl.hpp"

namespace cx {

MHD_Result ApiServer::Impl::stream_export(MHD_Connection* connection, Exchange& exchange) {
    auto* holder = new ExportReader{this, exchange.export_stream};
    auto* response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, &read_export,
                                                       holder, &free_export);
    if (!response) {
        delete holder;
        return MHD_NO;
    }
    const auto& stream = *exchange.export_stream;
    if (MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                                stream.content_type.c_str()) != MHD_YES ||
        (!stream.disposition.empty() &&
         MHD_add_response_header(response, "Content-Disposition", stream.disposition.c_str()) !=
             MHD_YES)) {
        MHD_destroy_response(response);
        log.note("could not add the export's Content-Type; connection dropped");
        return MHD_NO;
    }
    exchange.status = 200;
    exchange.stage = Exchange::Stage::Replied;
    auto queued = MHD_queue_response(connection, MHD_HTTP_OK, response);
    MHD_destroy_response(response);
    return queued;
}

ssize_t ApiServer::Impl::read_export(void* cls, std::uint64_t, char* buffer, std::size_t max) try {
    auto& reader = *static_cast<ExportReader*>(cls);
    auto& stream = *reader.stream;
    {
        std::lock_guard lock(stream.mutex);
        if (stream.offset < stream.page.size()) {
            // libmicrohttpd drops a reader silent for --timeout, but one that
            // reads a byte now and then would hold its export for ever: each
            // page must be taken within --timeout plus its size at the
            // slowest accepted rate.
            if (stream.offset == 0)
                reader.server->deadlines.set(
                    stream.connection,
                    Clock::now() + reader.server->options.io_timeout +
                        std::chrono::seconds(stream.page.size() / kMinBodyBytesPerSecond));
            std::size_t size = std::min(max, stream.page.size() - stream.offset);
            std::memcpy(buffer, stream.page.data() + stream.offset, size);
            stream.offset += size;
            return static_cast<ssize_t>(size);
        }
        // A failed page ends the transfer without its last chunk: a cut export never looks whole.
        if (stream.failed) return MHD_CONTENT_READER_END_WITH_ERROR;
        if (stream.finished) return MHD_CONTENT_READER_END_OF_STREAM;
    }
    reader.server->deadlines.clear(stream.connection);  // the database's time is not the reader's
    bool started = reader.server->run_suspended(
        stream.connection,
        [server = reader.server, shared = reader.stream] {
            (void)fetch_page(*shared, server->service.store());
            return std::chrono::milliseconds{};
        },
        [shared = reader.stream] {
            std::lock_guard lock(shared->mutex);
            shared->failed = true;
        });
    return started ? 0 : MHD_CONTENT_READER_END_WITH_ERROR;
} catch (...) {
    static_cast<ExportReader*>(cls)->server->report_failure("an export page");
    return MHD_CONTENT_READER_END_WITH_ERROR;  // a cut export never looks whole
}

void ApiServer::Impl::free_export(void* cls) {
    delete static_cast<ExportReader*>(cls);
}

}  // namespace cx
