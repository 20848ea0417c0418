#include "cx/kiosk/platform.hpp"

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "cx/kiosk/watchdog.hpp"
#include "layout.hpp"
#include "service_notifier.hpp"

namespace cx::kiosk {

namespace {

// Polled frames after an input: one for the press, one for the release, one
// for the screen the action leads to.
constexpr int kFramesAfterInput = 3;

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

// Rasterizes only the used glyphs, in three sizes, each normal and large. Needs
// no GL and no ImGui context, so it runs on a thread while the window and GL
// context are created.
UiFontSizes build_fonts(ImFontAtlas& atlas, const FontSources& sources, float window_height) {
    auto add = [&](const MappedFont* font, float size, const std::vector<std::uint16_t>& ranges) {
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
                                          ranges.data());
    };
    const MappedFont* bold = sources.bold ? sources.bold : sources.regular;
    const auto& title_ranges =
        sources.title_glyph_ranges.empty() ? sources.glyph_ranges : sources.title_glyph_ranges;
    auto sized = [&](float scale) {
        UiFonts fonts;
        fonts.headings_bold = sources.bold != nullptr;
        fonts.body = add(sources.regular, window_height * 0.036f * scale, sources.glyph_ranges);
        fonts.heading = add(bold, window_height * 0.052f * scale, sources.glyph_ranges);
        fonts.title = add(bold, window_height * 0.080f * scale, title_ranges);
        return fonts;
    };
    const UiFontSizes fonts{sized(1.0f), sized(kLargeTextScale)};
    // Both sizes fill a little more than half of a 2048x2048 texture: keep only the
    // rows the glyphs use (GL 3 takes any height) rather than 16 MiB.
    atlas.Flags |= ImFontAtlasFlags_NoPowerOfTwoHeight;
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

Platform& Platform::of(GLFWwindow* window) {
    return *static_cast<Platform*>(glfwGetWindowUserPointer(window));
}

Platform::Platform(PlatformOptions options) : options_(std::move(options)) {}

Platform::~Platform() {
    close();
}

void Platform::request_stop() {
    stop_requested_ = true;
    const std::lock_guard lock(glfw_mutex_);
    if (glfw_running_) glfwPostEmptyEvent();  // wakes glfwWaitEventsTimeout
}

// Staff entry: F10, or the top-left corner held for kStaffLongPress.
void Platform::mouse_button_callback(GLFWwindow* window, int button, int action, int) {
    auto& input = of(window).input_;
    input.input_seen = true;
    if (button != GLFW_MOUSE_BUTTON_LEFT) return;
    if (action == GLFW_RELEASE) {
        input.corner_pressed_at.reset();
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
        input.corner_pressed_at = std::chrono::steady_clock::now();
}

// True once per gesture; a long press fires while still held.
bool Platform::take_staff_gesture(SteadyTime now) {
    if (input_.corner_pressed_at && now - *input_.corner_pressed_at >= kStaffLongPress) {
        input_.corner_pressed_at.reset();
        return true;
    }
    return std::exchange(input_.staff_key, false);
}

// ImGui 1.86 reads keys as state (io.KeysDown), so a press and its release
// handled in the same wait would never be seen. A release of a key pressed
// since the last frame is held back until that frame has run.
void Platform::key_callback(GLFWwindow* window, int key, int scancode, int action, int mods) {
    auto& input = of(window).input_;
    input.input_seen = true;
    const bool pressed_this_frame =
        std::find(input.pressed_since_frame.begin(), input.pressed_since_frame.end(), key) !=
        input.pressed_since_frame.end();
    if (action == GLFW_RELEASE && pressed_this_frame) {
        input.held_releases.push_back({key, scancode, mods});
        return;
    }
    if (action == GLFW_PRESS) input.pressed_since_frame.push_back(key);
    if (action == GLFW_PRESS && key == GLFW_KEY_F10) input.staff_key = true;
    ImGui_ImplGlfw_KeyCallback(window, key, scancode, action, mods);
}

void Platform::release_held_keys() {
    input_.pressed_since_frame.clear();
    for (const auto& e : std::exchange(input_.held_releases, {})) {
        ImGui_ImplGlfw_KeyCallback(window_, e.key, e.scancode, GLFW_RELEASE, e.mods);
        input_.input_seen = true;  // one more frame sees the key up
    }
}

void Platform::install_input_watch() {
    // Installed before ImGui's, which chains to them.
    glfwSetWindowUserPointer(window_, this);
    glfwSetMouseButtonCallback(window_, mouse_button_callback);
    glfwSetCursorPosCallback(window_,
                             [](GLFWwindow* w, double, double) { of(w).input_.input_seen = true; });
    glfwSetScrollCallback(window_,
                          [](GLFWwindow* w, double, double) { of(w).input_.input_seen = true; });
    glfwSetCharCallback(window_,
                        [](GLFWwindow* w, unsigned int) { of(w).input_.input_seen = true; });
    glfwSetWindowFocusCallback(window_, [](GLFWwindow* w, int) { of(w).input_.input_seen = true; });
    glfwSetCursorEnterCallback(window_, [](GLFWwindow* w, int) { of(w).input_.input_seen = true; });
    glfwSetFramebufferSizeCallback(window_,
                                   [](GLFWwindow* w, int, int) { of(w).input_.input_seen = true; });
    glfwSetWindowRefreshCallback(window_, [](GLFWwindow* w) { of(w).input_.input_seen = true; });
    glfwSetWindowCloseCallback(window_, [](GLFWwindow* w) {
        // Customers cannot close the fullscreen kiosk (Alt+F4, a window manager).
        if (of(w).fullscreen_) glfwSetWindowShouldClose(w, GLFW_FALSE);
    });
}

// GLFW, then (while the glyphs are rasterized on a thread) the window.
Status Platform::open(float* window_height) {
    glfwSetErrorCallback([](int code, const char* text) {
        std::cerr << "cxkiosk: glfw error " << code << ": " << text << '\n';
    });
    const std::lock_guard lock(glfw_mutex_);
    if (!glfwInit()) {
        const char* reason = nullptr;
        glfwGetError(&reason);
        return Error{std::string("cannot initialise the display (is DISPLAY set?)") +
                     (reason ? std::string(": ") + reason : std::string())};
    }
    glfw_running_ = true;
    // Height of the window open_window() will make: the monitor's for fullscreen.
    *window_height = static_cast<float>(options_.height);
    if (!options_.windowed) {
        GLFWmonitor* monitor = glfwGetPrimaryMonitor();
        const GLFWvidmode* mode = monitor ? glfwGetVideoMode(monitor) : nullptr;
        if (mode) *window_height = static_cast<float>(mode->height);
    }
    return Ok{};
}

Status Platform::open_window() {
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
    GLFWmonitor* monitor = nullptr;
    int width = options_.width;
    int height = options_.height;
    if (!options_.windowed) {
        monitor = glfwGetPrimaryMonitor();
        if (!monitor) return Error{"no monitor for fullscreen (try --windowed)"};
        const GLFWvidmode* mode = glfwGetVideoMode(monitor);
        width = mode->width;
        height = mode->height;
        glfwWindowHint(GLFW_REFRESH_RATE, mode->refreshRate);
    } else {
        glfwWindowHint(GLFW_RESIZABLE, GLFW_FALSE);
    }
    fullscreen_ = monitor != nullptr;
    window_ = glfwCreateWindow(width, height, options_.title.c_str(), monitor, nullptr);
    if (!window_) return Error{"cannot create an OpenGL 3 window"};
    glfwMakeContextCurrent(window_);
    glfwSwapInterval(1);
    if (fullscreen_) glfwSetInputMode(window_, GLFW_CURSOR, GLFW_CURSOR_HIDDEN);  // touch screen
    return Ok{};
}

Status Platform::init_imgui() {
    IMGUI_CHECKVERSION();
    ImGui::CreateContext(atlas_.get());
    ImGui::GetIO().IniFilename = nullptr;  // nothing to remember between runs
    ImGui::GetIO().LogFilename = nullptr;
    install_input_watch();
    imgui_glfw_ = ImGui_ImplGlfw_InitForOpenGL(window_, true);
    glfwSetKeyCallback(window_, key_callback);  // in front of ImGui's, which it calls
    imgui_gl_ = ImGui_ImplOpenGL3_Init("#version 130");
    if (!imgui_glfw_ || !imgui_gl_) return Error{"cannot initialise the ImGui backends"};
    return Ok{};
}

// Tears down what open() and init_imgui() made, in order; safe to call twice.
void Platform::close() {
    if (imgui_gl_) ImGui_ImplOpenGL3_Shutdown();
    if (imgui_glfw_) ImGui_ImplGlfw_Shutdown();
    imgui_gl_ = imgui_glfw_ = false;
    if (ImGui::GetCurrentContext()) ImGui::DestroyContext();
    atlas_.reset();
    if (window_) glfwDestroyWindow(window_);
    window_ = nullptr;
    const std::lock_guard lock(glfw_mutex_);
    if (glfw_running_) glfwTerminate();
    glfw_running_ = false;
    input_ = InputState{};
}

DisplayInfo Platform::display_info() const {
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

Status Platform::run(const FontSources& fonts, FrameClient& client) {
    if (stop_requested_) return Ok{};
    struct CloseAtEnd {
        Platform& platform;
        ~CloseAtEnd() { platform.close(); }
    } close_at_end{*this};
    float height = 0;
    if (auto opened = open(&height); !opened) return opened;
    atlas_ = std::make_unique<ImFontAtlas>();
    UiFontSizes ui_fonts;
    Status window_opened = Ok{};
    using Ms = std::chrono::duration<double, std::milli>;
    Ms rasterized{};
    double rasterized_cpu_ms = 0;  // unlike the wall time, the same on a busy machine
    Ms window_made{};
    {
        const auto began = std::chrono::steady_clock::now();
        std::jthread rasterizer([&] {
            ui_fonts = build_fonts(*atlas_, fonts, height);
            rasterized = std::chrono::steady_clock::now() - began;
            timespec cpu{};
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
            rasterized_cpu_ms =
                static_cast<double>(cpu.tv_sec) * 1000.0 + static_cast<double>(cpu.tv_nsec) / 1e6;
        });
        window_opened = open_window();
        window_made = std::chrono::steady_clock::now() - began;
    }
    if (!window_opened) return window_opened;
    if (options_.report_startup) {
        // Whether the atlas (both text sizes) or the window is the longer of the two.
        int glyphs = 0;
        for (const ImFont* font : atlas_->Fonts) glyphs += font->Glyphs.Size;
        std::fprintf(stderr,
                     "cxkiosk: font atlas %dx%d (%d KiB), %d glyphs in %d sizes, built in %.0f ms "
                     "(%.0f ms CPU; window in %.0f ms)\n",
                     atlas_->TexWidth, atlas_->TexHeight,
                     atlas_->TexWidth * atlas_->TexHeight * 4 / 1024, glyphs, atlas_->Fonts.Size,
                     rasterized.count(), rasterized_cpu_ms, window_made.count());
    }
    if (auto ready = init_imgui(); !ready) return ready;
    if (auto started = client.start(ui_fonts, display_info()); !started) return started;
    frame_loop(client);
    return Ok{};
}

void Platform::frame_loop(FrameClient& client) {
    int polled_frames_left = kFramesAfterInput;
    bool first_frame = true;
    // Pings systemd's watchdog from here, so that only a loop that still draws keeps it fed.
    auto notifier = ServiceNotifier::from_environment();
    while (!stop_requested_ && !client.finished() && !glfwWindowShouldClose(window_)) {
        const auto now = std::chrono::steady_clock::now();
        auto wake = earliest(client.wake_at(now), notifier.next_ping());
        if (input_.corner_pressed_at)  // wake up when the long press is due, even without input
            wake = earliest(wake, *input_.corner_pressed_at + kStaffLongPress);
        const bool due = wake && *wake <= now;
        if (options_.render_continuously || polled_frames_left > 0 || due) {
            glfwPollEvents();
        } else {
            const double seconds =
                wake ? std::chrono::duration<double>(*wake - now).count() : 3600.0;
            glfwWaitEventsTimeout(seconds);
        }
        if (stop_requested_) break;
        if (std::exchange(input_.input_seen, false)) {
            polled_frames_left = kFramesAfterInput;
        } else if (polled_frames_left > 0) {
            --polled_frames_left;
        }
        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplGlfw_NewFrame();
        ImGui::NewFrame();
        const auto frame_time = std::chrono::steady_clock::now();
        if (take_staff_gesture(frame_time)) client.request_staff_entry(frame_time);
        client.frame(frame_time);
        render(window_);
        release_held_keys();
        notifier.frame_drawn(std::chrono::steady_clock::now());
        if (first_frame && options_.report_startup) {
            if (auto ms = ms_since_process_start()) {
                std::fprintf(stderr, "cxkiosk: first frame %.0f ms after process start\n", *ms);
            }
        }
        first_frame = false;
    }
}

}  // namespace cx::kiosk
