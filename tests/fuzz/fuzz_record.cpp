// The JSON Lines record parser (kiosk, server, cxscore): any bytes give a record
// or an error, never a crash; the line's direct reading (canonical lines) and
// simdjson's DOM reading agree; a record it accepts survives its own canonical
// line unchanged, and its signing bytes can be computed.
#include <simdjson.h>

#include <cstdint>
#include <span>
#include <string_view>

#include "cx/integrity/seal.hpp"
#include "cx/scoring/response.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static cx::ResponseParser parser(std::span(&cx::fuzz::shipped_config().questionnaire, 1));
    std::string_view line(reinterpret_cast<const char*>(data), size);
    cx::Response record;
    auto read = parser.parse(line, record);
    static simdjson::dom::parser dom;
    simdjson::dom::element document;
    if (dom.parse(line.data(), line.size()).get(document)) {
        cx::fuzz::require(!read.ok(), "a line simdjson refuses is refused");
        return 0;
    }
    cx::Response through_dom;
    auto expected = parser.parse(document, through_dom);
    cx::fuzz::require(read.ok() == expected.ok(), "both readings accept or both refuse");
    if (!read.ok()) {
        cx::fuzz::require(read.error().message == expected.error().message,
                          "both readings refuse with the same message");
        return 0;
    }
    cx::fuzz::require(record == through_dom, "both readings give the same record");
    auto canonical = cx::to_canonical_json(record);
    cx::Response again;
    auto reparsed = parser.parse(canonical, again);
    cx::fuzz::require(reparsed.ok(), "an accepted record's canonical line parses");
    cx::fuzz::require(again == record, "an accepted record's canonical line gives the same record");
    cx::fuzz::require(cx::to_canonical_json(again) == canonical,
                      "the canonical line is a fixed point");
    (void)cx::integrity::record_hash(record);
    return 0;
}
