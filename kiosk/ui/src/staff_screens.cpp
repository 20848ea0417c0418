// Over the ~400-line guide on purpose: the PIN pad and the panel share their card,
// text and pill helpers, and each screen is one function a frame.
#include "staff_screens.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "cx/sync/enrolment.hpp"
#include "layout.hpp"
#include "paint.hpp"

namespace cx::kiosk {

namespace {

using namespace paint;
using Actions = std::vector<StaffAction>;

const ImU32 kDanger = rgb(190, 40, 40);
const ImU32 kDisabled = rgb(226, 231, 237);
const ImU32 kDisabledInk = rgb(110, 118, 130);  // still legible: it says what is off
constexpr std::size_t kMaxDetailBytes = 180;  // the server's error detail, as much as fits the card

// At most `limit` bytes, cut at a UTF-8 character boundary, "..." when cut.
std::string shortened(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) return std::string(text);
    std::size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return std::string(text.substr(0, end)) + "...";
}
const ImU32 kTrack = rgb(226, 232, 240);

// printf into a string; every format is one of UiText's.
template <typename... Args>
std::string format(const std::string& pattern, Args... args) {
    char buffer[512];
    std::snprintf(buffer, sizeof buffer, pattern.c_str(), args...);
    return buffer;
}

void text_at(ImDrawList* draw, ImFont* font, float scale, ImVec2 at, ImU32 colour,
             std::string_view text, float wrap_width = 0.0f) {
    draw_text(draw, font, font->FontSize * scale, at, colour, text, wrap_width);
}

float text_width(ImFont* font, float scale, std::string_view text) {
    return font
        ->CalcTextSizeA(font->FontSize * scale, FLT_MAX, 0.0f, text.data(),
                        text.data() + text.size())
        .x;
}

void card(ImDrawList* draw, const Rect& r) {
    draw->AddRectFilled({r.min.x, r.min.y + 3}, {r.max.x, r.max.y + 3}, rgb(0, 0, 0, 20),
                        rounding());
    draw->AddRectFilled(r.min, r.max, kSurface, rounding());
}

// A white card with its heading; content starts at `y`, `pad` in from the edges.
struct Card {
    Rect r;
    float pad;
    float y;
};
Card titled_card(const StaffView& v, ImDrawList* draw, const layout::Frac& where,
                 const LocalizedText& heading, float pad_of_width) {
    const Rect r = place(where);
    card(draw, r);
    const float pad = r.size().x * pad_of_width;
    const float top = r.min.y + std::min(pad * 0.8f, r.size().y * 0.08f);
    text_at(draw, v.fonts.body, 1.0f, {r.min.x + pad, top}, kInk, heading.in(v.lang));
    return {r, pad, top + v.fonts.body->FontSize * 1.35f};
}

std::string local_time_text(std::chrono::system_clock::time_point at) {
    const std::time_t t = std::chrono::system_clock::to_time_t(at);
    std::tm local{};
    localtime_r(&t, &local);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &local);
    return buffer;
}

// ---- PIN pad: digits, Backspace, Return, Escape work as keys too

void read_pad_keys(Actions& actions) {
    for (ImWchar c : ImGui::GetIO().InputQueueCharacters) {
        if (c >= '0' && c <= '9') actions.push_back(staff_action::Digit{static_cast<char>(c)});
    }
    auto pressed = [](ImGuiKey key) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(key), false); };
    if (pressed(ImGuiKey_Backspace)) actions.push_back(staff_action::Erase{});
    if (pressed(ImGuiKey_Enter) || pressed(ImGuiKey_KeyPadEnter))
        actions.push_back(staff_action::Submit{});
    if (pressed(ImGuiKey_Escape)) actions.push_back(staff_action::Cancel{});
}

// The 3 x 4 numeric keys (digits, erase, OK) and Cancel below them, shared by the
// PIN pad and the enrol screen; keys do nothing while not `usable`.
void number_keys(const StaffView& v, const Painter& p, Actions& actions, bool usable,
                 const LocalizedText& cancel_label) {
    const Lang lang = v.lang;
    for (int i = 0; i < 12; ++i) {
        const char key = layout::kPadKeyOrder[i];
        const Rect r = place(layout::pad_key(i));
        char id[16];
        std::snprintf(id, sizeof id, "##pad-%c", key);
        bool held = false;
        const bool tapped = p.target(id, r, &held) && usable;
        if (key == 'E') {
            if (tapped) actions.push_back(staff_action::Erase{});
            p.outlined(r, v.fonts.body, v.text.pad_erase.in(lang), held && usable, rounding(),
                       usable ? kInk : kDisabledInk);
        } else if (key == 'K') {
            if (tapped) actions.push_back(staff_action::Submit{});
            p.button(r,
                     !usable ? kDisabled
                     : held  ? kPrimaryPressed
                             : kPrimary,
                     v.fonts.heading, v.text.pad_ok.in(lang), usable ? kSurface : kDisabledInk,
                     rounding());
        } else {
            if (tapped) actions.push_back(staff_action::Digit{key});
            p.outlined(r, v.fonts.title, std::string(1, key), held && usable, rounding(),
                       usable ? kInk : kDisabledInk);
        }
    }
    const Rect cancel = place(layout::kPadCancel);
    bool held = false;
    if (p.target("##pad-cancel", cancel, &held)) actions.push_back(staff_action::Cancel{});
    p.outlined(cancel, v.fonts.body, cancel_label.in(lang), held, rounding());
    read_pad_keys(actions);
}

void pin_pad(const StaffView& v, const Painter& p, Actions& actions) {
    ImDrawList* draw = p.draw();
    const Lang lang = v.lang;
    const Rect box = place(layout::kPadCard);
    const float h = ImGui::GetIO().DisplaySize.y;
    card(draw, box);
    const float cx = box.center().x;
    p.text_centered(v.fonts.heading, v.text.staff_title.in(lang), {cx, h * 0.10f},
                    box.size().x * 0.9f, kInk);
    p.text_centered(v.fonts.body, v.text.pin_prompt.in(lang), {cx, h * 0.17f}, box.size().x * 0.9f,
                    kMutedInk);

    // One dot per digit entered (at least four places, so an empty pad shows where they go).
    const std::size_t entered = v.access.entered().size();
    const std::size_t places = std::max<std::size_t>(4, entered);
    const float radius = h * 0.013f;
    const float step = radius * 3.2f;
    float x = cx - step * static_cast<float>(places - 1) / 2;
    for (std::size_t i = 0; i < places; ++i, x += step) {
        if (i < entered) {
            draw->AddCircleFilled({x, h * 0.235f}, radius, kInk, 24);
        } else {
            draw->AddCircle({x, h * 0.235f}, radius, kOutline, 24, 2.5f);
        }
    }

    const long locked_for = v.access.lockout_seconds_left(v.wall_now);
    std::string message;
    ImU32 colour = kDanger;
    if (locked_for > 0) {
        message = format(v.text.pin_locked.in(lang), static_cast<int>(locked_for));
        colour = kWarning;
    } else if (!v.pin_set) {
        message = v.text.pin_not_set.in(lang);
    } else if (v.access.last_attempt_failed()) {
        message = v.text.pin_wrong.in(lang);
    }
    if (!message.empty())
        p.text_centered(v.fonts.body, message, {cx, h * 0.29f}, box.size().x * 0.92f, colour);

    number_keys(v, p, actions, locked_for == 0 && v.pin_set, v.text.pad_cancel);
}

// ---- panel

// Any key or touch keeps staff mode open.
void touch_on_any_input(Actions& actions) {
    const ImGuiIO& io = ImGui::GetIO();
    bool any_key = !io.InputQueueCharacters.empty();
    for (int i = 0; i < IM_ARRAYSIZE(io.KeysDown); ++i)
        any_key = any_key || ImGui::IsKeyPressed(i, false);
    if (any_key || ImGui::IsMouseClicked(ImGuiMouseButton_Left))
        actions.push_back(staff_action::Touch{});
}

void counts_card(const StaffView& v, ImDrawList* draw) {
    const auto [r, pad, top] =
        titled_card(v, draw, layout::kPanelCounts, v.text.responses_heading, 0.04f);
    const Lang lang = v.lang;
    if (!v.panel.counts) {
        text_at(draw, v.fonts.body, 0.78f, {r.min.x + pad, top}, kDanger,
                format(v.text.store_error.in(lang),
                       shortened(v.panel.store_error, kMaxDetailBytes).c_str()),
                r.size().x - 2 * pad);
        return;
    }
    const auto& c = *v.panel.counts;
    const std::pair<const LocalizedText*, std::int64_t> cells[] = {
        {&v.text.count_today, c.today},     {&v.text.count_week, c.last_7_days},
        {&v.text.count_total, c.total()},   {&v.text.count_incomplete, c.incomplete},
        {&v.text.count_flagged, c.flagged}, {&v.text.count_waiting, c.unsent}};
    const float cell_w = (r.size().x - 2 * pad) / 3;
    const float cell_h = (r.max.y - pad - top) / 2;
    for (int i = 0; i < 6; ++i) {
        const ImVec2 at{r.min.x + pad + static_cast<float>(i % 3) * cell_w,
                        top + static_cast<float>(i / 3) * cell_h};
        const auto number = std::to_string(cells[i].second);
        const bool attention = (i == 4 || i == 5) && cells[i].second > 0;
        text_at(draw, v.fonts.heading, 1.0f, at, attention ? kWarning : kPrimary, number);
        text_at(draw, v.fonts.body, 0.72f, {at.x, at.y + v.fonts.heading->FontSize * 1.1f},
                kMutedInk, cells[i].first->in(lang));
    }
}

void sync_card(const StaffView& v, const Painter& p, Actions& actions) {
    ImDrawList* draw = p.draw();
    const auto [r, pad, y] = titled_card(v, draw, layout::kPanelSync, v.text.sync_heading, 0.04f);
    const Lang lang = v.lang;
    const auto& sync = v.panel.last_sync;
    const float line = v.fonts.body->FontSize;
    if (!v.panel.store_error.empty()) {  // never "not synced" or "0 waiting" when unknown
        text_at(draw, v.fonts.body, 0.78f, {r.min.x + pad, y}, kDanger,
                format(v.text.store_error.in(lang),
                       shortened(v.panel.store_error, kMaxDetailBytes).c_str()),
                r.size().x - 2 * pad);
    } else if (!sync) {
        text_at(draw, v.fonts.body, 0.78f, {r.min.x + pad, y}, kMutedInk,
                v.text.sync_never.in(lang));
    } else {
        const auto when = local_time_text(sync->at);
        const auto line =
            sync->ok ? format(v.text.sync_ok.in(lang), when.c_str())
                     : format(v.text.sync_failed.in(lang), when.c_str(), sync->http_status);
        text_at(draw, v.fonts.body, 0.78f, {r.min.x + pad, y}, sync->ok ? kSuccess : kDanger, line);
        if (!sync->detail.empty()) {
            text_at(draw, v.fonts.body, 0.66f, {r.min.x + pad, y + v.fonts.body->FontSize * 0.95f},
                    kMutedInk, shortened(sync->detail, kMaxDetailBytes), r.size().x - 2 * pad);
        }
    }
    const std::int64_t refused = v.panel.counts ? v.panel.counts->refused : 0;
    if (refused > 0) {
        const auto& latest = v.panel.latest_refusal;
        const std::string reason = latest ? latest->code + ": " + latest->detail : std::string();
        text_at(draw, v.fonts.body, 0.66f, {r.min.x + pad, y + line * 1.75f}, kDanger,
                shortened(
                    format(v.text.sync_refused.in(lang), static_cast<int>(refused), reason.c_str()),
                    kMaxDetailBytes),
                r.size().x - 2 * pad);
    }
    const Rect button = place(layout::kPanelSyncNow);
    const Rect retry = place(layout::kPanelRetryRefused);
    if (v.sync_available) {
        bool held = false;
        if (p.target("##sync-now", button, &held)) actions.push_back(staff_action::SyncNow{});
        p.button(button, held ? kPrimaryPressed : kPrimary, v.fonts.body, v.text.sync_now.in(lang),
                 kSurface, rounding());
    } else {
        text_at(draw, v.fonts.body, 0.66f, {button.min.x, button.min.y}, kMutedInk,
                v.text.sync_unavailable.in(lang), button.size().x);
    }
    if (refused > 0) {
        bool held = false;
        if (p.target("##retry-refused", retry, &held))
            actions.push_back(staff_action::RetryRefused{});
        p.outlined(retry, v.fonts.body, v.text.retry_refused.in(lang), held, rounding(), kDanger);
    }
    // What the last request did, beside the buttons.
    std::string note = v.panel.retry_message;
    if (note.empty() && v.panel.sync_requested) note = v.text.sync_requested.in(lang);
    if (!note.empty()) {
        const float x = retry.max.x + pad * 0.5f;
        text_at(draw, v.fonts.body, 0.62f, {x, retry.center().y - line * 0.31f}, kSuccess, note,
                r.max.x - pad * 0.5f - x);
    }
}

void score_card(const StaffView& v, ImDrawList* draw) {
    auto [r, pad, y] = titled_card(v, draw, layout::kPanelScore, v.text.score_heading, 0.04f);
    const Lang lang = v.lang;
    const auto& score = v.panel.score;
    if (!score || !score->service_score) {
        text_at(draw, v.fonts.body, 0.78f, {r.min.x + pad, y}, kMutedInk,
                v.text.score_none.in(lang));
        return;
    }
    // Rounded exactly as the server's report rounds it (half-up on the exact value).
    const int decimals = v.panel.score_decimals;
    const auto exact = [decimals](const mpq_class& x) {
        return format_scaled(round_half_up_scaled(x, decimals), decimals);
    };
    const auto approximate = [decimals](double x) {
        char text[32];
        std::snprintf(text, sizeof text, "%.*f", decimals, x);
        return std::string(text);
    };
    const std::string value = exact(*score->service_score);
    text_at(draw, v.fonts.title, 1.0f, {r.min.x + pad, y}, kPrimary, value);
    const float value_w = text_width(v.fonts.title, 1.0f, value);
    const float detail_x = r.min.x + pad * 1.5f + value_w;
    if (score->ci95) {
        text_at(draw, v.fonts.body, 0.72f, {detail_x, y + v.fonts.title->FontSize * 0.12f},
                kMutedInk,
                format(v.text.score_ci.in(lang), approximate((*score->ci95)[0]).c_str(),
                       approximate((*score->ci95)[1]).c_str()));
    }
    text_at(draw, v.fonts.body, 0.72f, {detail_x, y + v.fonts.title->FontSize * 0.58f}, kMutedInk,
            format(v.text.score_counted.in(lang), static_cast<int>(score->respondents),
                   static_cast<int>(score->excluded_total)));
    y += v.fonts.title->FontSize * 1.15f;

    // One bar per characteristic, 0–100 %.
    const auto count = score->characteristics.size();
    const float row_h =
        (r.max.y - pad * 0.6f - y) / static_cast<float>(std::max<std::size_t>(count, 1));
    const float label_w = r.size().x * 0.38f;
    const float bar_x0 = r.min.x + pad + label_w;
    const float bar_x1 = r.max.x - pad - r.size().x * 0.12f;
    const float scale = 0.62f;
    for (const auto& characteristic : score->characteristics) {
        const float mid = y + row_h / 2;
        const float text_y = mid - v.fonts.body->FontSize * scale / 2;
        text_at(draw, v.fonts.body, scale, {r.min.x + pad, text_y}, kInk,
                characteristic.name.in(lang));
        const float bar_h = std::min(row_h * 0.5f, 16.0f);
        draw->AddRectFilled({bar_x0, mid - bar_h / 2}, {bar_x1, mid + bar_h / 2}, kTrack,
                            bar_h / 2);
        if (characteristic.percent) {
            const double percent = std::clamp(characteristic.percent->get_d(), 0.0, 100.0);
            const float x = bar_x0 + (bar_x1 - bar_x0) * static_cast<float>(percent / 100.0);
            draw->AddRectFilled({bar_x0, mid - bar_h / 2},
                                {std::max(x, bar_x0 + bar_h), mid + bar_h / 2}, kPrimary,
                                bar_h / 2);
            text_at(draw, v.fonts.body, scale, {bar_x1 + pad * 0.5f, text_y}, kInk,
                    exact(*characteristic.percent));
        } else {
            text_at(draw, v.fonts.body, scale, {bar_x1 + pad * 0.5f, text_y}, kMutedInk, "–");
        }
        y += row_h;
    }
}

const LocalizedText& fault_text(const UiText& text, WriteFault fault) {
    switch (fault) {
        case WriteFault::DiskFull:
            return text.fault_disk_full;
        case WriteFault::ReadOnly:
            return text.fault_read_only;
        case WriteFault::IoError:
            return text.fault_io_error;
        case WriteFault::Other:
            return text.fault_other;
    }
    return text.fault_other;
}

// "12.5 MB": free space as staff read it (decimal units, as file managers show them).
std::string size_text(std::uint64_t bytes) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1000.0 && unit + 1 < std::size(units)) {
        value /= 1000.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
    return text;
}

// While responses cannot be stored, in place of the score: why, since when, the free
// space where they are stored, the last write check and that it recovers by itself.
void outage_card(const StaffView& v, ImDrawList* draw) {
    const StoreOutage& outage = *v.outage;
    auto [r, pad, y] = titled_card(v, draw, layout::kPanelScore, v.text.outage_heading, 0.04f);
    const Lang lang = v.lang;
    const float width = r.size().x - 2 * pad;
    const float scale = 0.72f;
    auto line = [&](const std::string& text, ImU32 colour) {
        const std::string shown = shortened(text, kMaxDetailBytes);
        text_at(draw, v.fonts.body, scale, {r.min.x + pad, y}, colour, shown, width);
        const float size = v.fonts.body->FontSize * scale;
        y += v.fonts.body
                 ->CalcTextSizeA(size, FLT_MAX, width, shown.data(), shown.data() + shown.size())
                 .y +
             size * 0.45f;
    };
    line(format(v.text.outage_reason.in(lang), fault_text(v.text, outage.fault).in(lang).c_str()),
         kWarning);
    line(format(v.text.outage_since.in(lang), local_time_text(outage.since).c_str()), kInk);
    line(v.panel.data_dir_free
             ? format(v.text.outage_free.in(lang), size_text(*v.panel.data_dir_free).c_str())
             : v.text.outage_free_unknown.in(lang),
         kInk);
    if (const auto& probe = outage.last_probe) {
        const auto when = local_time_text(probe->at);
        line(probe->writable
                 ? format(v.text.outage_probe_passed.in(lang), when.c_str())
                 : format(v.text.outage_probe_failed.in(lang), when.c_str(), probe->detail.c_str()),
             kMutedInk);
    }
    line(outage.detail, kMutedInk);
    line(format(v.text.outage_recovers.in(lang),
                static_cast<int>(
                    std::chrono::duration_cast<std::chrono::seconds>(v.probe_every).count())),
         kSuccess);
}

// A small selectable pill: filled when chosen.
bool choice(const Painter& p, const char* id, const Rect& r, std::string_view label, bool chosen,
            ImFont* font) {
    bool held = false;
    const bool tapped = p.target(id, r, &held);
    if (chosen) {
        p.button(r, kPrimary, font, label, kSurface, r.size().y / 2);
    } else {
        p.outlined(r, font, label, held, r.size().y / 2);
    }
    return tapped;
}

void export_card(const StaffView& v, const Painter& p, Actions& actions) {
    ImDrawList* draw = p.draw();
    const auto card = titled_card(v, draw, layout::kPanelExport, v.text.export_heading, 0.012f);
    const Rect& r = card.r;
    const float pad = card.pad;
    const Lang lang = v.lang;
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    const Rect target_row = place(layout::kTargetRow);
    const Rect format_row = place(layout::kFormatRow);
    const float label_x =
        r.min.x + pad + text_width(v.fonts.body, 1.0f, v.text.export_heading.in(lang)) + pad * 2;
    text_at(draw, v.fonts.body, 0.72f, {label_x, target_row.center().y - 10}, kMutedInk,
            v.text.export_to.in(lang));
    text_at(draw, v.fonts.body, 0.72f, {label_x, format_row.center().y - 10}, kMutedInk,
            v.text.export_format.in(lang));
    if (v.panel.targets.empty()) {
        text_at(draw, v.fonts.body, 0.72f, {layout::kTargetsLeft * d.x, target_row.center().y - 10},
                kDanger, v.text.export_no_target.in(lang));
    }
    for (std::size_t i = 0; i < v.panel.targets.size() && i < layout::kMaxTargets; ++i) {
        const Rect pill = place(layout::target_pill(static_cast<int>(i)));
        char id[24];
        std::snprintf(id, sizeof id, "##target-%zu", i);
        if (choice(p, id, pill, v.panel.targets[i].label, i == v.panel.target, v.fonts.body))
            actions.push_back(staff_action::ChooseTarget{i});
    }
    for (std::size_t i = 0; i < std::size(kExportFormats); ++i) {
        const auto format_i = kExportFormats[i];
        const Rect pill = place(layout::format_pill(static_cast<int>(i)));
        std::string label(to_string(format_i));
        std::transform(label.begin(), label.end(), label.begin(), ::toupper);
        char id[24];
        std::snprintf(id, sizeof id, "##format-%zu", i);
        if (choice(p, id, pill, label, format_i == v.panel.format, v.fonts.body))
            actions.push_back(staff_action::ChooseFormat{format_i});
    }
    const Rect button = place(layout::kPanelExportButton);
    const bool usable = !v.panel.targets.empty();
    bool held = false;
    if (p.target("##export", button, &held) && usable) actions.push_back(staff_action::Export{});
    p.button(button,
             !usable ? kDisabled
             : held  ? kPrimaryPressed
                     : kPrimary,
             v.fonts.body, v.text.export_button.in(lang), usable ? kSurface : kDisabledInk,
             rounding());
    if (!v.panel.message.empty()) {
        // Wrapped beside the button, kept inside the card (a failure names a long path).
        const std::string message = shortened(v.panel.message, kMaxDetailBytes);
        const float x = button.max.x + pad * 2;
        const float wrap = r.max.x - pad - x;
        const float scale = 0.7f;
        const float height = v.fonts.body
                                 ->CalcTextSizeA(v.fonts.body->FontSize * scale, FLT_MAX, wrap,
                                                 message.data(), message.data() + message.size())
                                 .y;
        const float y = std::clamp(button.center().y - height / 2, r.min.y + pad,
                                   std::max(r.min.y + pad, r.max.y - pad - height));
        text_at(draw, v.fonts.body, scale, {x, y}, v.panel.message_is_error ? kDanger : kSuccess,
                message, wrap);
    }
}

void panel(const StaffView& v, const Painter& p, Actions& actions) {
    ImDrawList* draw = p.draw();
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    const Lang lang = v.lang;
    draw->AddRectFilled({0, 0}, {d.x, d.y * 0.10f}, kSurface);
    text_at(draw, v.fonts.heading, 1.0f, {d.x * 0.03f, d.y * 0.05f - v.fonts.heading->FontSize / 2},
            kInk, v.text.staff_title.in(lang));
    const auto identity =
        format(v.text.identity_line.in(lang), v.config.device.c_str(), v.config.org.c_str(),
               v.config.site.c_str(), std::string(v.version).c_str());
    const float identity_w = text_width(v.fonts.body, 0.66f, identity);
    text_at(draw, v.fonts.body, 0.66f,
            {d.x * 0.97f - identity_w, d.y * 0.05f - v.fonts.body->FontSize * 0.33f}, kMutedInk,
            identity);

    counts_card(v, draw);
    sync_card(v, p, actions);
    if (v.outage) {
        outage_card(v, draw);
    } else {
        score_card(v, draw);
    }
    export_card(v, p, actions);
    // A refused action is what staff just did: it goes before the score's problem.
    const std::string& problem = v.panel.notice.empty() ? v.panel.problem : v.panel.notice;
    if (!problem.empty()) {
        text_at(draw, v.fonts.body, 0.62f, {d.x * 0.03f, d.y * 0.905f}, kDanger,
                shortened(problem, kMaxDetailBytes), d.x * 0.33f);
    }

    const Rect leave = place(layout::kPanelLeave);
    bool held = false;
    if (p.target("##leave", leave, &held)) actions.push_back(staff_action::Leave{});
    p.outlined(leave, v.fonts.body, v.text.leave_staff.in(lang), held, rounding());
    const Rect quit = place(layout::kPanelQuit);
    bool quit_held = false;
    if (p.target("##quit", quit, &quit_held)) actions.push_back(staff_action::Quit{});
    p.button(quit, quit_held ? rgb(150, 30, 30) : kDanger, v.fonts.body, v.text.quit_kiosk.in(lang),
             kSurface, rounding());

    const Rect enrol = place(layout::kPanelEnrol);
    bool enrol_held = false;
    if (p.target("##enrol", enrol, &enrol_held)) actions.push_back(staff_action::OpenEnrol{});
    p.outlined(enrol, v.fonts.body, v.text.enrol_button.in(lang), enrol_held, rounding());
    touch_on_any_input(actions);
}

// The enrol screen: the code as typed (grouped like `cxserver enrol-code` prints it),
// then what became of it.
void enrol_screen(const StaffView& v, const Painter& p, Actions& actions) {
    using Phase = EnrolPad::Phase;
    const EnrolPad& pad = *v.panel.enrol;
    ImDrawList* draw = p.draw();
    const Lang lang = v.lang;
    const Rect box = place(layout::kPadCard);
    const float h = ImGui::GetIO().DisplaySize.y;
    const float width = box.size().x * 0.9f;
    card(draw, box);
    const float cx = box.center().x;
    p.text_centered(v.fonts.heading, v.text.enrol_title.in(lang), {cx, h * 0.09f}, width, kInk);
    p.text_centered(v.fonts.body, v.text.enrol_prompt.in(lang), {cx, h * 0.155f}, width, kMutedInk);
    std::string typed = pad.digits + std::string(kEnrolmentCodeDigits - pad.digits.size(), '_');
    p.text_centered(v.fonts.heading, group_enrolment_code(typed), {cx, h * 0.215f}, width, kInk);
    std::string message;
    ImU32 colour = kMutedInk;
    switch (pad.phase) {
        case Phase::Entering:
            break;
        case Phase::Working:
            message = v.text.enrol_working.in(lang);
            break;
        case Phase::Enrolled:
            message = format(v.text.enrol_done.in(lang), pad.device.org.c_str(),
                             pad.device.site.c_str(), pad.device.device.c_str()) +
                      "\n" + v.text.enrol_restart.in(lang);
            colour = kSuccess;
            break;
        case Phase::Failed:
            message = format(v.text.enrol_failed.in(lang),
                             shortened(pad.failure, kMaxDetailBytes).c_str());
            colour = kDanger;
            break;
    }
    if (!message.empty()) {
        text_at(draw, v.fonts.body, 0.66f, {box.min.x + box.size().x * 0.05f, h * 0.255f}, colour,
                message, width);
    }
    const bool usable = pad.phase != Phase::Working && pad.phase != Phase::Enrolled;
    number_keys(v, p, actions, usable,
                pad.phase == Phase::Enrolled ? v.text.enrol_back : v.text.pad_cancel);
    touch_on_any_input(actions);
}

}  // namespace

std::vector<StaffAction> draw_staff_screen(const StaffView& v) {
    ImDrawList* draw = begin_screen("##staff");
    const Painter painter(draw, true);
    Actions actions;
    if (v.access.mode() == StaffMode::PinPad) {
        pin_pad(v, painter, actions);
    } else if (v.access.mode() == StaffMode::Panel && v.panel.enrol) {
        enrol_screen(v, painter, actions);
    } else if (v.access.mode() == StaffMode::Panel) {
        panel(v, painter, actions);
    }
    end_screen();
    return actions;
}

}  // namespace cx::kiosk
