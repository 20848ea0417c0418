// The platform layer under a real X server (Xvfb started here with -displayfd):
// its frame loop runs more than once per process, and request_stop() from
// another thread (the signal watcher's) ends it.
#include <fcntl.h>
#include <imgui.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "cx/assets/font.hpp"
#include "cx/kiosk/platform.hpp"

using namespace cx;
using namespace cx::kiosk;

extern char** environ;

namespace {

// An Xvfb of its own for this process; DISPLAY points at it while it lives.
class VirtualDisplay {
  public:
    VirtualDisplay() {
        int fds[2];
        REQUIRE(pipe(fds) == 0);
        const std::string fd = std::to_string(fds[1]);
        const char* argv[] = {
            CX_XVFB_PATH, "-displayfd", fd.c_str(), "-screen", "0", "640x480x24",
            "-nolisten",  "tcp",        "-noreset", nullptr};  // no reset when the last client
                                                               // leaves
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        const int spawned =
            posix_spawn(&pid_, CX_XVFB_PATH, &actions, nullptr, const_cast<char**>(argv), environ);
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        REQUIRE(spawned == 0);
        std::string number;
        char c = 0;
        while (read(fds[0], &c, 1) == 1 && c != '\n') number += c;  // Xvfb writes it when ready
        close(fds[0]);
        REQUIRE(!number.empty());
        setenv("DISPLAY", (":" + number).c_str(), 1);
    }
    ~VirtualDisplay() {
        kill(pid_, SIGTERM);
        waitpid(pid_, nullptr, 0);
        unsetenv("DISPLAY");
    }
    VirtualDisplay(const VirtualDisplay&) = delete;
    VirtualDisplay& operator=(const VirtualDisplay&) = delete;

  private:
    pid_t pid_ = -1;
};

// Counts its frames; finished after `frames` of them (0: never, something else stops it).
class CountingClient final : public FrameClient {
  public:
    explicit CountingClient(int frames) : stop_after_(frames) {}
    Status start(const UiFontSizes& fonts, const DisplayInfo& display) override {
        auto complete = [](const UiFonts& set) {
            return set.body != nullptr && set.heading != nullptr && set.title != nullptr;
        };
        started = complete(fonts.normal) && complete(fonts.large);
        // Both text sizes are baked at start-up, large at 1.5x (the kiosk's large-text mode).
        large_body_ratio = started ? fonts.large.body->FontSize / fonts.normal.body->FontSize : 0;
        width = display.width;
        height = display.height;
        return Ok{};
    }
    void frame(SteadyTime) override { ++frames; }
    std::optional<SteadyTime> wake_at(SteadyTime now) override { return now; }  // no input here
    void request_staff_entry(SteadyTime) override {}
    bool finished() const override { return stop_after_ > 0 && frames >= stop_after_; }

    bool started = false;
    float large_body_ratio = 0;
    int width = 0;
    int height = 0;
    std::atomic<int> frames = 0;  // read by a stopper thread

  private:
    int stop_after_;
};

struct Fonts {
    Fonts() {
        const auto face = find_cjk_font();
        REQUIRE(face.has_value());
        auto opened = MappedFont::open(*face);
        REQUIRE(opened.ok());
        font.emplace(std::move(opened).value());
        const char32_t ascii[] = {U'0', U'1', U'A', U'a'};
        sources = FontSources{&*font, nullptr, glyph_ranges(ascii), {}};
    }
    std::optional<MappedFont> font;
    FontSources sources;
};

PlatformOptions windowed() {
    PlatformOptions options;
    options.windowed = true;
    options.width = 320;
    options.height = 240;
    return options;
}

}  // namespace

TEST_CASE("the frame loop runs more than once per process") {
    const VirtualDisplay display;
    const Fonts fonts;
    Platform platform(windowed());
    for (int run = 0; run < 2; ++run) {
        CountingClient client(5);
        const auto ran = platform.run(fonts.sources, client);
        INFO("run " << run << ": " << (ran ? std::string() : ran.error().message));
        REQUIRE(ran.ok());
        CHECK(client.started);
        CHECK(client.large_body_ratio == Approx(kLargeTextScale));
        CHECK(client.width == 320);
        CHECK(client.height == 240);
        CHECK(client.frames == 5);
    }
    // A second Platform in the same process, after the first one's window is gone.
    Platform another(windowed());
    CountingClient client(3);
    REQUIRE(another.run(fonts.sources, client).ok());
    CHECK(client.frames == 3);
}

TEST_CASE("request_stop from another thread ends the loop, and a stop asked for first sticks") {
    const VirtualDisplay display;
    const Fonts fonts;
    Platform platform(windowed());
    CountingClient client(0);  // never finishes by itself
    // Stops once frames are running (window creation takes a while on a loaded machine).
    std::jthread stopper([&platform, &client] {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (client.frames == 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        platform.request_stop();
    });
    REQUIRE(platform.run(fonts.sources, client).ok());
    CHECK(client.frames > 0);

    CountingClient late(0);
    REQUIRE(platform.run(fonts.sources, late).ok());  // the stop sticks: no window, no frame
    CHECK_FALSE(late.started);
    CHECK(late.frames == 0);
}
