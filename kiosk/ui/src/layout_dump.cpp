#include "cx/kiosk/layout_dump.hpp"

#include <nlohmann/json.hpp>

#include "cx/config/atomic_file.hpp"
#include "cx/kiosk/export.hpp"
#include "layout.hpp"

namespace cx::kiosk {

namespace layout {

std::vector<HitTarget> hit_targets(TextSize size) {
    std::vector<HitTarget> targets{
        {"welcome", "start", kStart},
        {"welcome", "lang_zh", kWelcomeZh},
        {"welcome", "lang_en", kWelcomeEn},
        {"welcome", "text_size", kWelcomeTextSize},
        {"question", "text_size", kTextSizeToggle},
        {"question", "language", kLanguageToggle},
        {"question", "back", back_button(size)},
        {"question", "not_applicable", not_applicable_button(size)},
        {"idle_prompt", "continue", kPromptContinue},
        {"staff_pad", "cancel", kPadCancel},
        {"staff_panel", "sync_now", kPanelSyncNow},
        {"staff_panel", "retry_refused", kPanelRetryRefused},
        {"staff_panel", "export", kPanelExportButton},
        {"staff_panel", "enrol", kPanelEnrol},
        {"staff_panel", "leave", kPanelLeave},
        {"staff_panel", "quit", kPanelQuit},
        {"any", "staff_corner", kStaffCorner},
    };
    for (int level = 1; level <= 5; ++level)
        targets.push_back({"question", "level_" + std::to_string(level), level_card(level, size)});
    for (int i = 0; i < 12; ++i) {
        const char key = kPadKeyOrder[i];
        const std::string name = key == 'E'   ? "erase"
                                 : key == 'K' ? "ok"
                                              : std::string("key_") + key;
        targets.push_back({"staff_pad", name, pad_key(i)});
    }
    for (int i = 0; i < kMaxTargets; ++i)
        targets.push_back({"staff_panel", "target_" + std::to_string(i), target_pill(i)});
    for (std::size_t i = 0; i < std::size(kExportFormats); ++i) {
        targets.push_back({"staff_panel", "format_" + std::string(to_string(kExportFormats[i])),
                           format_pill(static_cast<int>(i))});
    }
    return targets;
}

}  // namespace layout

namespace {

nlohmann::json screens_json(TextSize size, float w, float h) {
    nlohmann::json screens = nlohmann::json::object();
    for (const auto& target : layout::hit_targets(size)) {
        const auto& f = target.where;
        screens[target.screen][target.name] = {{"x0", f.x0 * w},
                                               {"y0", f.y0 * h},
                                               {"x1", f.x1 * w},
                                               {"y1", f.y1 * h},
                                               {"x", (f.x0 + f.x1) / 2 * w},
                                               {"y", (f.y0 + f.y1) / 2 * h}};
    }
    return screens;
}

}  // namespace

std::string layout_json(int width, int height) {
    const auto w = static_cast<float>(width);
    const auto h = static_cast<float>(height);
    return nlohmann::json{{"width", width},
                          {"height", height},
                          {"screens", screens_json(TextSize::Normal, w, h)},
                          {"large_screens", screens_json(TextSize::Large, w, h)}}
               .dump(1) +
           "\n";
}

Status write_layout_dump(const std::filesystem::path& file, int width, int height) {
    auto writer = AtomicFileWriter::create(file);
    if (!writer) return writer.error();
    if (auto written = writer.value().write(layout_json(width, height)); !written) return written;
    if (auto committed = writer.value().commit(); !committed) return committed.error();
    return Ok{};
}

}  // namespace cx::kiosk
