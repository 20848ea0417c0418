// The kiosk config file: the shipped example parses, bad ones are refused by name.
#include <catch2/catch.hpp>

#include "cx/config/config_files.hpp"
#include "cx/kiosk/kiosk_config.hpp"

using namespace cx;
using namespace cx::kiosk;

TEST_CASE("the shipped kiosk.example.json parses") {
    auto text = read_text_file(std::filesystem::path(CX_TEST_CONFIG_DIR) / "kiosk.example.json");
    REQUIRE(text.ok());
    auto config = parse_kiosk_config(text.value(), "/etc/cxkiosk");
    REQUIRE(config.ok());
    CHECK(config.value().device == "kiosk-01");
    CHECK(config.value().idle_timeout_s == 45);
    CHECK(config.value().data_dir.is_absolute());
    CHECK_FALSE(config.value().org_name.zh.empty());
    REQUIRE(config.value().opening_hours);
    CHECK(config.value().opening_hours->days[0].size() == 2);
    CHECK(config.value().opening_hours->days[6].empty());  // closed on Sunday
}

TEST_CASE("kiosk config errors name the key or the line") {
    auto syntax = parse_kiosk_config("{\n\"device\": \"a\",\n\"org\": }", ".");
    REQUIRE_FALSE(syntax.ok());
    CHECK(syntax.error().line == 3);

    auto unknown = parse_kiosk_config(R"({"idle_timout": 5})", ".");
    REQUIRE_FALSE(unknown.ok());
    CHECK_THAT(unknown.error().message, Catch::Contains("idle_timout"));

    auto bad_id = parse_kiosk_config(R"({"device": "kiosk 01"})", ".");
    REQUIRE_FALSE(bad_id.ok());
    CHECK_THAT(bad_id.error().message, Catch::Contains("device"));

    auto bad_number = parse_kiosk_config(R"({"idle_timeout": 0})", ".");
    REQUIRE_FALSE(bad_number.ok());
    CHECK_THAT(bad_number.error().message, Catch::Contains("idle_timeout"));

    auto bad_name = parse_kiosk_config(R"({"org_name": "x"})", ".");
    REQUIRE_FALSE(bad_name.ok());
    CHECK_THAT(bad_name.error().message, Catch::Contains("org_name"));
}

TEST_CASE("export_dir is optional and resolved against the config file's folder") {
    auto none = parse_kiosk_config("{}", "/etc/cxkiosk");
    REQUIRE(none.ok());
    CHECK(none.value().export_dir.empty());
    auto relative = parse_kiosk_config(R"({"export_dir": "exports"})", "/etc/cxkiosk");
    REQUIRE(relative.ok());
    CHECK(relative.value().export_dir == "/etc/cxkiosk/exports");
    auto bad = parse_kiosk_config(R"({"export_dir": 5})", ".");
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error().message, Catch::Contains("export_dir"));
}
