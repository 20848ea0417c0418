// The layout dump the e2e tests click from: every screen's targets, in window
// pixels, inside the window, and no two targets of one screen overlapping.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cx/kiosk/layout_dump.hpp"

TEST_CASE("the layout dump lists each screen's touch targets in window pixels") {
    const auto layout = nlohmann::json::parse(cx::kiosk::layout_json(1280, 800));
    CHECK(layout["width"] == 1280);
    CHECK(layout["height"] == 800);
    const auto& screens = layout["screens"];
    for (const char* name : {"start", "lang_zh", "lang_en"})
        CHECK(screens["welcome"].contains(name));
    for (const char* name : {"level_1", "level_2", "level_3", "level_4", "level_5",
                             "not_applicable", "back", "language"})
        CHECK(screens["question"].contains(name));
    CHECK(screens["idle_prompt"].contains("continue"));
    for (const char* name : {"key_0", "key_9", "erase", "ok", "cancel"})
        CHECK(screens["staff_pad"].contains(name));
    for (const char* name : {"sync_now", "target_0", "format_jsonl", "format_csv", "format_xlsx",
                             "export", "leave", "quit"})
        CHECK(screens["staff_panel"].contains(name));

    CHECK(screens["welcome"].contains("text_size"));
    CHECK(screens["question"].contains("text_size"));
    // Level 1 (worst) on the left, level 5 on the right.
    for (int level = 1; level < 5; ++level) {
        const auto& left = screens["question"]["level_" + std::to_string(level)];
        const auto& right = screens["question"]["level_" + std::to_string(level + 1)];
        CHECK(left["x1"].get<double>() < right["x0"].get<double>());
    }
    // Large text: levels in reading order, three then two, each as large as a normal card is wide.
    const auto& large = layout["large_screens"]["question"];
    for (int level = 1; level < 5; ++level) {
        const auto& before = large["level_" + std::to_string(level)];
        const auto& after = large["level_" + std::to_string(level + 1)];
        CHECK((before["x1"].get<double>() < after["x0"].get<double>() ||
               before["y1"].get<double>() < after["y0"].get<double>()));
    }
    CHECK(large["level_1"]["x1"].get<double>() - large["level_1"]["x0"].get<double>() >
          1.5 * (screens["question"]["level_1"]["x1"].get<double>() -
                 screens["question"]["level_1"]["x0"].get<double>()));
    for (const char* size : {"screens", "large_screens"}) {
        for (const auto& [screen, targets] : layout[size].items()) {
            for (const auto& [name, r] : targets.items()) {
                INFO(size << ": " << screen << "/" << name);
                CHECK(r["x0"].get<double>() >= 0);
                CHECK(r["y0"].get<double>() >= 0);
                CHECK(r["x1"].get<double>() <= 1280);
                CHECK(r["y1"].get<double>() <= 800);
                CHECK(r["x"].get<double>() ==
                      Approx((r["x0"].get<double>() + r["x1"].get<double>()) / 2));
                if (screen == "welcome" && name == "start") continue;
                for (const auto& [other, o] : targets.items()) {
                    if (other <= name) continue;
                    INFO("and " << other);
                    const bool apart = r["x1"].get<double>() <= o["x0"].get<double>() ||
                                       o["x1"].get<double>() <= r["x0"].get<double>() ||
                                       r["y1"].get<double>() <= o["y0"].get<double>() ||
                                       o["y1"].get<double>() <= r["y0"].get<double>();
                    CHECK(apart);
                }
            }
        }
    }
}
