// The enrol screen's rules (enrol_pad.hpp) without a window: what the pad takes,
// when a code goes out, and what an outcome leaves on the screen.
#include <catch2/catch.hpp>

#include "enrol_pad.hpp"

using namespace cx;
using namespace cx::kiosk;

namespace {

std::optional<std::string> type(EnrolPad& pad, std::string_view digits) {
    std::optional<std::string> sent;
    for (char digit : digits)
        if (auto code = step(pad, enrol_event::Digit{digit})) sent = code;
    return sent;
}

}  // namespace

TEST_CASE("enrol pad: twelve digits and OK send the code once, more digits are not taken") {
    EnrolPad pad;
    CHECK_FALSE(type(pad, "1234567890123"));
    CHECK(pad.digits == "123456789012");
    CHECK(step(pad, enrol_event::Erase{}) == std::nullopt);
    CHECK(pad.digits == "12345678901");
    CHECK_FALSE(step(pad, enrol_event::Submit{}));  // 11 digits: nothing goes out
    CHECK(pad.phase == EnrolPad::Phase::Entering);
    type(pad, "9");
    CHECK(step(pad, enrol_event::Submit{}) == std::optional<std::string>("123456789019"));
    CHECK(pad.phase == EnrolPad::Phase::Working);
    // While it is on its way the pad takes nothing, and OK sends nothing again.
    CHECK_FALSE(type(pad, "5"));
    CHECK_FALSE(step(pad, enrol_event::Submit{}));
    CHECK(pad.digits == "123456789019");
}

TEST_CASE("enrol pad: an outcome shows, and typing after a failure starts over") {
    EnrolPad pad;
    type(pad, "000000000000");
    REQUIRE(step(pad, enrol_event::Submit{}));
    step(pad, enrol_event::Finished{make_error(ErrorKind::Refused, "unknown_code: no such code")});
    CHECK(pad.phase == EnrolPad::Phase::Failed);
    CHECK(pad.failure == "unknown_code: no such code");
    type(pad, "1");
    CHECK(pad.phase == EnrolPad::Phase::Entering);
    CHECK(pad.digits == "1");
    CHECK(pad.failure.empty());
    type(pad, "11111111111");
    REQUIRE(step(pad, enrol_event::Submit{}));
    step(pad, enrol_event::Finished{EnrolledDevice{"o", "hq", "k1"}});
    CHECK(pad.phase == EnrolPad::Phase::Enrolled);
    CHECK(pad.device.device == "k1");
    // Enrolled: the pad is done.
    CHECK_FALSE(type(pad, "2"));
    CHECK(pad.digits == "111111111111");
    // An outcome that nobody waits for changes nothing.
    EnrolPad idle;
    step(idle, enrol_event::Finished{EnrolledDevice{"o", "hq", "k1"}});
    CHECK(idle.phase == EnrolPad::Phase::Entering);
}
