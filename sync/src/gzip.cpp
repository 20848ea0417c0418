#include "cx/sync/gzip.hpp"

#include <zlib.h>

namespace cx {

Result<std::string> gzip_compress(std::string_view data) {
    z_stream stream{};
    // windowBits 15 + 16 selects the gzip wrapper; level 1: batches are small
    // and repetitive, so the fastest level already shrinks them ~8x.
    if (deflateInit2(&stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return make_error(ErrorKind::Internal, "zlib: deflateInit2 failed (out of memory)");
    std::string out(deflateBound(&stream, data.size()), '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    int status = deflate(&stream, Z_FINISH);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    if (status != Z_STREAM_END)
        return make_error(ErrorKind::Internal, "zlib: deflate did not finish");
    return out;
}

}  // namespace cx
