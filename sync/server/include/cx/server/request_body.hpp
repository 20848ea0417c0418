#pragma once
// A request body taken in as it arrives: the bytes on the wire and, for gzip
// or deflate, the inflated bytes are each held to the limit at every step, so
// neither a huge body nor a small bomb is ever held whole.
#include <zlib.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cx {

enum class BodyEncoding { Identity, Gzip, Deflate };

// The Content-Encoding header's value (absent = empty) → its encoding;
// nullopt for anything else (a 415).
std::optional<BodyEncoding> parse_content_encoding(std::string_view header);

class RequestBody {
  public:
    enum class State { Reading, TooLarge, Corrupt };

    // `expected` is the announced Content-Length (0 when unknown), reserved up
    // front for identity bodies so the buffer is not regrown.
    RequestBody(BodyEncoding encoding, std::size_t limit, std::size_t expected);
    ~RequestBody();
    RequestBody(const RequestBody&) = delete;
    RequestBody& operator=(const RequestBody&) = delete;

    State append(std::string_view wire);
    // At the end of the body: Corrupt when a compressed stream is unfinished.
    State finish();
    std::string_view text() const { return text_; }
    void release();  // frees the buffer now (the reply may wait a while)

  private:
    State inflate_some(std::string_view wire);

    BodyEncoding encoding_;
    std::size_t limit_;
    std::size_t wire_bytes_ = 0;
    std::string text_;
    z_stream zlib_{};
    bool inflating_ = false;
    bool stream_ended_ = false;
    State state_ = State::Reading;
};

}  // namespace cx
