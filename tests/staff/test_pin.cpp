#include <catch2/catch.hpp>

#include "cx/kiosk/pin.hpp"

using namespace cx;

TEST_CASE("a PIN hash is Argon2id and verifies only the same PIN") {
    auto hash = hash_pin("246810");
    REQUIRE(hash.ok());
    CHECK(hash.value().rfind("$argon2id$", 0) == 0);
    CHECK(hash.value().find("246810") == std::string::npos);
    CHECK(verify_pin(hash.value(), "246810"));
    CHECK_FALSE(verify_pin(hash.value(), "246811"));
    CHECK_FALSE(verify_pin(hash.value(), ""));
    CHECK_FALSE(verify_pin("", "246810"));
}

TEST_CASE("two hashes of one PIN differ (random salt)") {
    CHECK(hash_pin("1234").value() != hash_pin("1234").value());
}

TEST_CASE("PINs must be 4 to 12 digits") {
    CHECK_FALSE(hash_pin("123").ok());
    CHECK_FALSE(hash_pin("1234567890123").ok());
    CHECK_FALSE(hash_pin("12a4").ok());
    CHECK(validate_pin("0000").ok());
}
