#pragma once
// The one place that knows GLFW and OpenGL: window, ImGui backends, font
// atlas, and the event-driven frame loop. It sleeps in glfwWaitEventsTimeout
// until input or the client's next deadline, renders a few polled frames after
// each input so clicks complete, and renders continuously only while the
// client animates (or for the benchmark baseline). It also detects the staff
// entry gestures (F10, long press on a corner) and hands them to the client.
#include <optional>
#include <string>

#include "cx/assets/font.hpp"
#include "cx/kiosk/survey.hpp"
#include "cx/scoring/result.hpp"

struct ImFont;

namespace cx::kiosk {

struct PlatformOptions {
    bool windowed = false;  // fullscreen (customers cannot close it) unless set
    int width = 1280;       // windowed size
    int height = 800;
    bool render_continuously = false;  // benchmark baseline only
    bool report_startup = false;       // print ms from process start to the first frame
    std::string title = "cxkiosk";
};

struct FontSources {
    const MappedFont* regular = nullptr;
    const MappedFont* bold = nullptr;  // optional; regular is used when missing
    std::vector<std::uint16_t> glyph_ranges;
};

// Fonts in three sizes, scaled to the window height.
struct UiFonts {
    ImFont* body = nullptr;
    ImFont* heading = nullptr;
    ImFont* title = nullptr;
};

struct DisplayInfo {
    int width = 0;  // window size in pixels
    int height = 0;
    float px_per_mm = 0;  // from the monitor's physical size; 0 when it does not say
};

class FrameClient {
  public:
    virtual ~FrameClient() = default;
    // Called once the window exists, before the first frame.
    virtual void start(const UiFonts& fonts, const DisplayInfo& display) = 0;
    // Builds the UI of one frame (between ImGui::NewFrame and Render).
    virtual void frame(SteadyTime now) = 0;
    // When the next frame must run without input; now (or earlier) while animating.
    virtual std::optional<SteadyTime> wake_at(SteadyTime now) = 0;
    // F10, or a ~3 s press on the top-left corner (layout::kStaffCorner); before frame().
    virtual void request_staff_entry(SteadyTime now) = 0;
};

// How long the staff corner must be held.
inline constexpr Millis kStaffLongPress{3'000};

// Runs until request_stop() (any thread) or, windowed, the window is closed.
Status run_platform(const PlatformOptions& options, const FontSources& fonts, FrameClient& client);

// Thread-safe: ends the frame loop after the current frame (SIGTERM handler thread).
void request_stop();

}  // namespace cx::kiosk
