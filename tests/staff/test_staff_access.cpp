// Staff entry rules of the staff-mode issue: pad behaviour, lockout after 5
// wrong PINs for 60 s doubling on repeat, pad and panel timeouts.
#include <catch2/catch.hpp>

#include "cx/kiosk/staff_access.hpp"

using namespace cx;
using namespace std::chrono_literals;

namespace {

struct Clocks {
    StaffClock::time_point steady = StaffClock::time_point{} + 1000s;
    std::chrono::system_clock::time_point wall =
        std::chrono::system_clock::time_point{} + 1'000'000s;
    void advance(std::chrono::seconds d) {
        steady += d;
        wall += d;
    }
};

const StaffAccess::Verify kPin1234 = [](std::string_view pin) { return pin == "1234"; };

void type(StaffAccess& access, std::string_view digits, Clocks& clocks) {
    for (char d : digits) access.press_digit(d, clocks.steady, clocks.wall);
}

void wrong_pin(StaffAccess& access, Clocks& clocks) {
    type(access, "9999", clocks);
    access.submit(kPin1234, clocks.steady, clocks.wall);
}

}  // namespace

TEST_CASE("the right PIN opens the panel and logs staff_login") {
    Clocks clocks;
    StaffAccess access({}, {});
    access.request_entry(clocks.steady);
    REQUIRE(access.mode() == StaffMode::PinPad);
    type(access, "1234", clocks);
    CHECK(access.entered() == "1234");
    access.submit(kPin1234, clocks.steady, clocks.wall);
    CHECK(access.mode() == StaffMode::Panel);
    auto events = access.take_events();
    REQUIRE(events.size() == 1);
    CHECK(events[0].name == "staff_login");
}

TEST_CASE("a wrong PIN clears the pad and keeps it open") {
    Clocks clocks;
    StaffAccess access({}, {});
    access.request_entry(clocks.steady);
    wrong_pin(access, clocks);
    CHECK(access.mode() == StaffMode::PinPad);
    CHECK(access.entered().empty());
    CHECK(access.last_attempt_failed());
    auto events = access.take_events();
    REQUIRE(events.size() == 1);
    CHECK(events[0].name == "staff_login_failed");
    CHECK(events[0].detail.find("9999") == std::string::npos);
}

TEST_CASE("F10 while the pad is open does nothing") {
    Clocks clocks;
    StaffAccess access({}, {});
    access.request_entry(clocks.steady);
    type(access, "12", clocks);
    access.request_entry(clocks.steady);
    CHECK(access.mode() == StaffMode::PinPad);
    CHECK(access.entered() == "12");
}

TEST_CASE("5 wrong PINs lock entry for 60 s, during it a correct PIN does not log in") {
    Clocks clocks;
    StaffAccess access({}, {});
    access.request_entry(clocks.steady);
    for (int i = 0; i < 5; ++i) wrong_pin(access, clocks);
    auto events = access.take_events();
    REQUIRE(events.size() == 6);
    CHECK(events.back().name == "staff_lockout");
    CHECK(access.lockout_seconds_left(clocks.wall) == 60);

    clocks.advance(30s);
    CHECK(access.lockout_seconds_left(clocks.wall) == 30);
    type(access, "1234", clocks);
    CHECK(access.entered().empty());
    access.submit(kPin1234, clocks.steady, clocks.wall);
    CHECK(access.mode() == StaffMode::PinPad);

    clocks.advance(15s);  // keys ignored during the lockout do not keep the pad open
    CHECK(access.tick(clocks.steady));
    CHECK(access.mode() == StaffMode::Closed);
    clocks.advance(16s);  // lockout over
    access.request_entry(clocks.steady);
    CHECK(access.lockout_seconds_left(clocks.wall) == 0);
    type(access, "1234", clocks);
    access.submit(kPin1234, clocks.steady, clocks.wall);
    CHECK(access.mode() == StaffMode::Panel);
}

TEST_CASE("a second lockout lasts twice as long, a third four times") {
    Clocks clocks;
    StaffAccess access({}, {});
    for (long expected : {60L, 120L, 240L}) {
        access.request_entry(clocks.steady);
        for (int i = 0; i < 5; ++i) wrong_pin(access, clocks);
        CHECK(access.lockout_seconds_left(clocks.wall) == expected);
        clocks.advance(std::chrono::seconds(expected));
        access.tick(clocks.steady);
    }
}

TEST_CASE("a success resets the doubling") {
    Clocks clocks;
    StaffAccess access({}, {});
    access.request_entry(clocks.steady);
    for (int i = 0; i < 5; ++i) wrong_pin(access, clocks);
    clocks.advance(60s);
    access.tick(clocks.steady);
    access.request_entry(clocks.steady);
    type(access, "1234", clocks);
    access.submit(kPin1234, clocks.steady, clocks.wall);
    REQUIRE(access.mode() == StaffMode::Panel);
    access.leave();
    access.request_entry(clocks.steady);
    for (int i = 0; i < 5; ++i) wrong_pin(access, clocks);
    CHECK(access.lockout_seconds_left(clocks.wall) == 60);
}

TEST_CASE("the lockout survives a restart through the persisted state") {
    Clocks clocks;
    LockoutState persisted;
    {
        StaffAccess access({}, {});
        access.request_entry(clocks.steady);
        for (int i = 0; i < 5; ++i) wrong_pin(access, clocks);
        REQUIRE(access.take_lockout_changed());
        persisted = access.lockout();
    }
    clocks.advance(10s);
    StaffAccess restarted({}, persisted);
    restarted.request_entry(clocks.steady);
    CHECK(restarted.lockout_seconds_left(clocks.wall) == 50);
    type(restarted, "1234", clocks);
    restarted.submit(kPin1234, clocks.steady, clocks.wall);
    CHECK(restarted.mode() == StaffMode::PinPad);
}

TEST_CASE("the pad closes after 20 s without input, the panel after 2 minutes without a touch") {
    Clocks clocks;
    StaffAccess access({}, {});
    access.request_entry(clocks.steady);
    clocks.advance(19s);
    CHECK_FALSE(access.tick(clocks.steady));
    type(access, "1", clocks);
    clocks.advance(19s);
    CHECK_FALSE(access.tick(clocks.steady));
    clocks.advance(1s);
    CHECK(access.tick(clocks.steady));
    CHECK(access.mode() == StaffMode::Closed);

    access.request_entry(clocks.steady);
    type(access, "1234", clocks);
    access.submit(kPin1234, clocks.steady, clocks.wall);
    REQUIRE(access.mode() == StaffMode::Panel);
    clocks.advance(100s);
    access.touch(clocks.steady);
    clocks.advance(119s);
    CHECK_FALSE(access.tick(clocks.steady));
    REQUIRE(access.next_deadline());
    CHECK(*access.next_deadline() == clocks.steady + 1s);
    clocks.advance(1s);
    CHECK(access.tick(clocks.steady));
    CHECK(access.mode() == StaffMode::Closed);
}

TEST_CASE("backspace erases a digit, non-digits and over-long PINs are ignored") {
    Clocks clocks;
    StaffAccess access({}, {});
    access.request_entry(clocks.steady);
    type(access, "12a3", clocks);
    CHECK(access.entered() == "123");
    access.erase_digit(clocks.steady, clocks.wall);
    CHECK(access.entered() == "12");
    type(access, "34567890123456", clocks);
    CHECK(access.entered().size() == 12);
}
