#include <catch2/catch.hpp>

#include "cx/kiosk/removable_media.hpp"

using namespace cx;

TEST_CASE("removable media are the mounts under /media and /run/media") {
    const char* mounts =
        "/dev/sda1 / ext4 rw,relatime 0 0\n"
        "proc /proc proc rw 0 0\n"
        "/dev/sdb1 /media/usb0 vfat rw,nosuid 0 0\n"
        "/dev/sdc1 /run/media/staff/MY\\040STICK exfat rw 0 0\n"
        "/dev/sdd1 /mediafake vfat rw 0 0\n";
    auto found = parse_removable_mounts(mounts);
    REQUIRE(found.size() == 2);
    CHECK(found[0].path == "/media/usb0");
    CHECK(found[0].filesystem == "vfat");
    CHECK(found[1].path == "/run/media/staff/MY STICK");
    CHECK(found[1].device == "/dev/sdc1");
}
