#pragma once
// The one place that knows GLFW and OpenGL: window, ImGui backends, font
// atlas, and the event-driven frame loop. It sleeps in glfwWaitEventsTimeout
// until input or the client's next deadline, renders a few polled frames after
// each input so clicks complete, and renders continuously only while the
// client animates (or for the benchmark baseline). It also detects the staff
// entry gestures (F10, long press on a corner) and hands them to the client.
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cx/assets/font.hpp"
#include "cx/kiosk/survey.hpp"
#include "cx/scoring/result.hpp"

struct ImFont;
struct ImFontAtlas;
struct GLFWwindow;

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
    // The title font's, from title_texts() (empty: glyph_ranges). Titles at both text
    // sizes would otherwise take most of the atlas for glyphs they never show.
    std::vector<std::uint16_t> title_glyph_ranges;
};

// Fonts in three sizes, scaled to the window height.
struct UiFonts {
    ImFont* body = nullptr;
    ImFont* heading = nullptr;
    ImFont* title = nullptr;
    bool headings_bold = false;  // heading and title use the bold face (there is one)
};

// How much larger the large-text mode's fonts are than the normal ones.
inline constexpr float kLargeTextScale = 1.5f;

// The fonts in both text sizes, all baked into one atlas at start-up, so that
// switching the customer's text size never rebuilds it.
struct UiFontSizes {
    UiFonts normal;
    UiFonts large;  // kLargeTextScale x normal
    const UiFonts& at(TextSize size) const { return size == TextSize::Large ? large : normal; }
};

struct DisplayInfo {
    int width = 0;  // window size in pixels
    int height = 0;
    float px_per_mm = 0;  // from the monitor's physical size; 0 when it does not say
};

class FrameClient {
  public:
    virtual ~FrameClient() = default;
    // Called once the window exists, before the first frame; an error ends the run with it.
    virtual Status start(const UiFontSizes& fonts, const DisplayInfo& display) = 0;
    // Builds the UI of one frame (between ImGui::NewFrame and Render).
    virtual void frame(SteadyTime now) = 0;
    // When the next frame must run without input; now (or earlier) while animating.
    virtual std::optional<SteadyTime> wake_at(SteadyTime now) = 0;
    // F10, or a ~3 s press on the top-left corner (layout::kStaffCorner); before frame().
    virtual void request_staff_entry(SteadyTime now) = 0;
    // Asked after each frame: true ends the loop (staff pressed "quit").
    virtual bool finished() const = 0;
};

// How long the staff corner must be held.
inline constexpr Millis kStaffLongPress{3'000};

// One window and its frame loop. GLFW callbacks reach the input state through
// the window's user pointer, so nothing lives at file scope: run() can be
// called again after it returns (the next run opens a new window), and two
// Platform objects can run one after the other in one process.
class Platform {
  public:
    explicit Platform(PlatformOptions options);
    ~Platform();
    Platform(const Platform&) = delete;
    Platform& operator=(const Platform&) = delete;

    // Runs until request_stop(), client.finished() or, windowed, the window is closed.
    Status run(const FontSources& fonts, FrameClient& client);

    // Thread-safe (the signal watcher's thread): ends the frame loop after the
    // current frame. It sticks: a stop asked for before or between runs makes
    // run() return at once, so a SIGTERM during startup is not lost.
    void request_stop();

  private:
    struct KeyEvent {
        int key, scancode, mods;
    };
    // What the GLFW callbacks note between frames (UI thread only).
    struct InputState {
        bool input_seen = false;
        bool staff_key = false;                       // F10 pressed
        std::optional<SteadyTime> corner_pressed_at;  // a press that began in the staff corner
        std::vector<KeyEvent> held_releases;          // see key_callback
        std::vector<int> pressed_since_frame;
    };

    Status open(float* window_height);
    Status open_window();
    Status init_imgui();
    void close();
    DisplayInfo display_info() const;
    void install_input_watch();
    void frame_loop(FrameClient& client);
    bool take_staff_gesture(SteadyTime now);
    void release_held_keys();
    static Platform& of(GLFWwindow* window);
    static void key_callback(GLFWwindow* window, int key, int scancode, int action, int mods);
    static void mouse_button_callback(GLFWwindow* window, int button, int action, int mods);

    PlatformOptions options_;
    std::atomic<bool> stop_requested_{false};
    std::mutex glfw_mutex_;      // request_stop() may wake GLFW only between init and terminate
    bool glfw_running_ = false;  // guarded by glfw_mutex_
    GLFWwindow* window_ = nullptr;
    bool fullscreen_ = false;
    bool imgui_glfw_ = false;
    bool imgui_gl_ = false;
    std::unique_ptr<ImFontAtlas> atlas_;  // outlives the ImGui context of a run
    InputState input_;
};

}  // namespace cx::kiosk
