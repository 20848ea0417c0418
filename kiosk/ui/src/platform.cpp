#include "cx/kiosk/platform.hpp"

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "layout.hpp"

namespace cx::kiosk {

namespace {

std::atomic<bool> g_stop_requested{false};
std::atomic<bool> g_glfw_ready{false};
bool g_input_seen = false;  // set by GLFW callbacks on the UI thread
bool g_fullscreen = false;

// Polled frames after an input: one for the press, one for the release, one
// for the screen the action leads to.
constexpr int kFramesAfterInput = 3;

void note_input() {
    g_input_seen = true;
}

// Staff entry: F10, or the top-left corner held for kStaffLongPress.
bool g_staff_key = false;
std::optional<SteadyTime> g_corner_pressed_at;  // while the press started in the corner is held

void watch_staff_corner(GLFWwindow* window, int button, int action) {
    if (button != GLFW_MOUSE_BUTTON_LEFT) return;
    if (action == GLFW_RELEASE) {
        g_corner_pressed_at.reset();
        return;
    }
    double x = 0;
    double y = 0;
    int width = 0;
    int height = 0;
    glfwGetCursorPos(window, &x, &y);
    glfwGetWindowSize(window, &width, &height);
    const auto& corner = layout::kStaffCorner;
    if (x <= corner.x1 * width && y <= corner.y1 * height)
        g_corner_pressed_at = std::chrono::steady_clock::now();
}

// True once per gesture; a long press fires while still held.
bool take_staff_gesture(SteadyTime now) {
    if (g_corner_pressed_at && now - *g_corner_pressed_at >= kStaffLongPress) {
        g_corner_pressed_at.reset();
        return true;
    }
    return std::exchange(g_staff_key, false);
}

// ImGui 1.86 reads keys as state (io.KeysDown), so a press and its release
// handled in the same wait would never be seen. A release of a key pressed
// since the last frame is held back until that frame has run.
struct KeyEvent {
    int key, scancode, mods;
};
std::vector<KeyEvent> g_held_releases;
std::vector<int> g_pressed_since_frame;

void key_callback(GLFWwindow* window, int key, int scancode, int action, int mods) {
    note_input();
    const bool pressed_this_frame =
        std::find(g_pressed_since_frame.begin(), g_pressed_since_frame.end(), key) !=
        g_pressed_since_frame.end();
    if (action == GLFW_RELEASE && pressed_this_frame) {
        g_held_releases.push_back({key, scancode, mods});
        return;
    }
    if (action == GLFW_PRESS) g_pressed_since_frame.push_back(key);
    if (action == GLFW_PRESS && key == GLFW_KEY_F10) g_staff_key = true;
    ImGui_ImplGlfw_KeyCallback(window, key, scancode, action, mods);
}

void release_held_keys(GLFWwindow* window) {
    g_pressed_since_frame.clear();
    for (const auto& e : std::exchange(g_held_releases, {})) {
        ImGui_ImplGlfw_KeyCallback(window, e.key, e.scancode, GLFW_RELEASE, e.mods);
        g_input_seen = true;  // one more frame sees the key up
    }
}

void install_input_watch(GLFWwindow* window) {
    // Installed before ImGui's, which chains to them.
    glfwSetMouseButtonCallback(window, [](GLFWwindow* w, int button, int action, int) {
        note_input();
        watch_staff_corner(w, button, action);
    });
    glfwSetCursorPosCallback(window, [](GLFWwindow*, double, double) { note_input(); });
    glfwSetScrollCallback(window, [](GLFWwindow*, double, double) { note_input(); });
    glfwSetCharCallback(window, [](GLFWwindow*, unsigned int) { note_input(); });
    glfwSetWindowFocusCallback(window, [](GLFWwindow*, int) { note_input(); });
    glfwSetCursorEnterCallback(window, [](GLFWwindow*, int) { note_input(); });
    glfwSetFramebufferSizeCallback(window, [](GLFWwindow*, int, int) { note_input(); });
    glfwSetWindowRefreshCallback(window, [](GLFWwindow*) { note_input(); });
    glfwSetWindowCloseCallback(window, [](GLFWwindow* w) {
        // Customers cannot close the fullscreen kiosk (Alt+F4, a window manager).
        if (g_fullscreen) glfwSetWindowShouldClose(w, GLFW_FALSE);
    });
}

// Milliseconds since the kernel started this process (/proc/self/stat starttime).
std::optional<double> ms_since_process_start() {
    std::ifstream stat("/proc/self/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    const auto after_name = text.rfind(')');
    if (after_name == std::string::npos) return std::nullopt;
    std::istringstream fields(text.substr(after_name + 2));
    std::string field;
    for (int i = 3; i < 22 && fields >> field; ++i) {
    }
    unsigned long long start_ticks = 0;
    if (!(fields >> start_ticks)) return std::nullopt;
    timespec boot{};
    clock_gettime(CLOCK_BOOTTIME, &boot);
    const double now_ms =
        static_cast<double>(boot.tv_sec) * 1000.0 + static_cast<double>(boot.tv_nsec) / 1e6;
    return now_ms -
           static_cast<double>(start_ticks) * 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Rasterizes only the used glyphs, in three sizes. Needs no GL and no ImGui
// context, so it runs on a thread while the window and GL context are created.
UiFonts build_fonts(ImFontAtlas& atlas, const FontSources& sources, float window_height) {
    auto add = [&](const MappedFont* font, float size) {
        ImFontConfig config;
        // "Owned" only so that ImGui does not copy the 20 MB file for every size;
        // ownership is taken back after the build (see below).
        config.FontDataOwnedByAtlas = true;
        config.FontNo = font->face().index;
        config.OversampleH = 1;  // CJK at these sizes needs no horizontal oversampling
        config.OversampleV = 1;
        auto bytes = font->bytes();
        return atlas.AddFontFromMemoryTTF(const_cast<unsigned char*>(bytes.data()),
                                          static_cast<int>(bytes.size()), size, &config,
                                          sources.glyph_ranges.data());
    };
    const MappedFont* bold = sources.bold ? sources.bold : sources.regular;
    UiFonts fonts;
    fonts.body = add(sources.regular, window_height * 0.036f);
    fonts.heading = add(bold, window_height * 0.052f);
    fonts.title = add(bold, window_height * 0.080f);
    unsigned char* pixels = nullptr;
    int width = 0;
    int height = 0;
    atlas.GetTexDataAsRGBA32(&pixels, &width,
                             &height);  // builds, in the format the GL backend uploads
    // The glyphs are rasterized; the mapped file is not ImGui's to free.
    for (auto& config : atlas.ConfigData) config.FontDataOwnedByAtlas = false;
    atlas.ClearInputData();
    return fonts;
}

// Owns GLFW, the window and the ImGui context; tears them down in order.
class Session {
  public:
    ~Session() {
        g_glfw_ready = false;
        if (imgui_gl_) ImGui_ImplOpenGL3_Shutdown();
        if (imgui_glfw_) ImGui_ImplGlfw_Shutdown();
        if (ImGui::GetCurrentContext()) ImGui::DestroyContext();
        if (window_) glfwDestroyWindow(window_);
        if (glfw_) glfwTerminate();
    }

    Status init() {
        glfwSetErrorCallback([](int code, const char* text) {
            std::cerr << "cxkiosk: glfw error " << code << ": " << text << '\n';
        });
        if (!glfwInit()) return Error{"cannot initialise the display (is DISPLAY set?)"};
        glfw_ = true;
        g_glfw_ready = true;
        return Ok{};
    }

    // Height of the window open_window() will make: the monitor's for fullscreen.
    int window_height(const PlatformOptions& options) const {
        if (options.windowed) return options.height;
        GLFWmonitor* monitor = glfwGetPrimaryMonitor();
        const GLFWvidmode* mode = monitor ? glfwGetVideoMode(monitor) : nullptr;
        return mode ? mode->height : options.height;
    }

    Status open_window(const PlatformOptions& options) {
        glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
        glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
        GLFWmonitor* monitor = nullptr;
        int width = options.width;
        int height = options.height;
        if (!options.windowed) {
            monitor = glfwGetPrimaryMonitor();
            if (!monitor) return Error{"no monitor for fullscreen (try --windowed)"};
            const GLFWvidmode* mode = glfwGetVideoMode(monitor);
            width = mode->width;
            height = mode->height;
            glfwWindowHint(GLFW_REFRESH_RATE, mode->refreshRate);
        } else {
            glfwWindowHint(GLFW_RESIZABLE, GLFW_FALSE);
        }
        g_fullscreen = monitor != nullptr;
        window_ = glfwCreateWindow(width, height, options.title.c_str(), monitor, nullptr);
        if (!window_) return Error{"cannot create an OpenGL 3 window"};
        glfwMakeContextCurrent(window_);
        glfwSwapInterval(1);
        if (g_fullscreen)
            glfwSetInputMode(window_, GLFW_CURSOR, GLFW_CURSOR_HIDDEN);  // touch screen
        return Ok{};
    }

    Status init_imgui() {
        IMGUI_CHECKVERSION();
        ImGui::CreateContext(&atlas_);
        ImGui::GetIO().IniFilename = nullptr;  // nothing to remember between runs
        ImGui::GetIO().LogFilename = nullptr;
        install_input_watch(window_);
        imgui_glfw_ = ImGui_ImplGlfw_InitForOpenGL(window_, true);
        glfwSetKeyCallback(window_, key_callback);  // in front of ImGui's, which it calls
        imgui_gl_ = ImGui_ImplOpenGL3_Init("#version 130");
        if (!imgui_glfw_ || !imgui_gl_) return Error{"cannot initialise the ImGui backends"};
        return Ok{};
    }

    ImFontAtlas& atlas() { return atlas_; }

    DisplayInfo display_info() const {
        DisplayInfo info;
        glfwGetWindowSize(window_, &info.width, &info.height);
        GLFWmonitor* monitor = glfwGetWindowMonitor(window_);
        if (!monitor) monitor = glfwGetPrimaryMonitor();
        const GLFWvidmode* mode = monitor ? glfwGetVideoMode(monitor) : nullptr;
        int width_mm = 0;
        if (monitor) glfwGetMonitorPhysicalSize(monitor, &width_mm, nullptr);
        if (mode && width_mm > 0)
            info.px_per_mm = static_cast<float>(mode->width) / static_cast<float>(width_mm);
        return info;
    }
    GLFWwindow* window() const { return window_; }

  private:
    ImFontAtlas atlas_;  // outlives the ImGui context (destroyed in the destructor body)
    bool glfw_ = false;
    GLFWwindow* window_ = nullptr;
    bool imgui_glfw_ = false;
    bool imgui_gl_ = false;
};

void render(GLFWwindow* window) {
    ImGui::Render();
    int width = 0;
    int height = 0;
    glfwGetFramebufferSize(window, &width, &height);
    glViewport(0, 0, width, height);
    glClearColor(0.f, 0.f, 0.f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    glfwSwapBuffers(window);
}

}  // namespace

void request_stop() {
    g_stop_requested = true;
    if (g_glfw_ready) glfwPostEmptyEvent();
}

Status run_platform(const PlatformOptions& options, const FontSources& fonts, FrameClient& client) {
    Session session;
    if (auto ready = session.init(); !ready) return ready;
    UiFonts ui_fonts;
    Status opened = Ok{};
    {
        const auto height = static_cast<float>(session.window_height(options));
        std::jthread rasterizer([&] { ui_fonts = build_fonts(session.atlas(), fonts, height); });
        opened = session.open_window(options);
    }
    if (!opened) return opened;
    if (options.report_startup) {
        const auto& atlas = session.atlas();
        int glyphs = 0;
        for (const ImFont* font : atlas.Fonts) glyphs += font->Glyphs.Size;
        std::fprintf(stderr, "cxkiosk: font atlas %dx%d, %d glyphs in %d sizes\n", atlas.TexWidth,
                     atlas.TexHeight, glyphs, atlas.Fonts.Size);
    }
    if (auto ready = session.init_imgui(); !ready) return ready;
    client.start(ui_fonts, session.display_info());
    GLFWwindow* window = session.window();

    int polled_frames_left = kFramesAfterInput;
    bool first_frame = true;
    while (!g_stop_requested && !glfwWindowShouldClose(window)) {
        const auto now = std::chrono::steady_clock::now();
        auto wake = client.wake_at(now);
        if (g_corner_pressed_at) {  // wake up when the long press is due, even without input
            const auto due_at = *g_corner_pressed_at + kStaffLongPress;
            wake = wake ? std::min(*wake, due_at) : due_at;
        }
        const bool due = wake && *wake <= now;
        if (options.render_continuously || polled_frames_left > 0 || due) {
            glfwPollEvents();
        } else {
            const double seconds =
                wake ? std::chrono::duration<double>(*wake - now).count() : 3600.0;
            glfwWaitEventsTimeout(seconds);
        }
        if (g_stop_requested) break;
        if (g_input_seen) {
            polled_frames_left = kFramesAfterInput;
            g_input_seen = false;
        } else if (polled_frames_left > 0) {
            --polled_frames_left;
        }
        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplGlfw_NewFrame();
        ImGui::NewFrame();
        const auto frame_time = std::chrono::steady_clock::now();
        if (take_staff_gesture(frame_time)) client.request_staff_entry(frame_time);
        client.frame(frame_time);
        render(window);
        release_held_keys(window);
        if (first_frame && options.report_startup) {
            if (auto ms = ms_since_process_start()) {
                std::fprintf(stderr, "cxkiosk: first frame %.0f ms after process start\n", *ms);
            }
        }
        first_frame = false;
    }
    return Ok{};
}

}  // namespace cx::kiosk
