// cxkiosk: the customer rating kiosk, and `cxkiosk export` / `set-pin` /
// `audit` on its data dir.
// Wires the libraries: config -> fonts -> store -> app -> platform.
#include <pthread.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>
#include <thread>

#include "cx/assets/font.hpp"
#include "cx/config/config_files.hpp"
#include "cx/kiosk/export.hpp"
#include "cx/kiosk/kiosk_app.hpp"
#include "cx/kiosk/kiosk_config.hpp"
#include "cx/kiosk/pin.hpp"
#include "cx/kiosk/platform.hpp"
#include "cx/kiosk/recovery.hpp"
#include "cx/kiosk/store.hpp"
#include "cx/sync/uploader.hpp"

namespace {

using namespace cx;
using namespace cx::kiosk;

enum Exit : int {
    kOk = 0,
    kUsage = 2,
    kBadData = 3,  // config, questionnaire, font, or a PIN that is not 4-12 digits
    kStore = 4,    // the store cannot be opened, recovered or written
    kDisplay = 5,  // no display, OpenGL or font file
    kUnsent = 6,   // sync --once: records still wait (offline, error) or were refused now
};

constexpr const char* kExitCodes =
    "Exit codes: 0 ok, 2 usage error (incl. a PIN on the command line), 3 bad config/data "
    "(incl. a string the font cannot show, a PIN not of 4-12 digits or not repeated the same), "
    "4 store error, 5 display or font unavailable, 6 sync --once left records unsent or the "
    "server refused some of them.";

int fail(int code, const std::string& message) {
    std::cerr << "cxkiosk: " << message << '\n';
    return code;
}

// Flags given on the command line; each overrides the config file.
struct Overrides {
    std::optional<std::string> data_dir, export_dir, device, org, site, server, token;
    std::optional<int> idle_timeout, sync_interval, items_per_respondent;
};

Result<KioskConfig> load_kiosk_config(const std::string& file, const Overrides& flags) {
    KioskConfig config;
    if (!file.empty()) {
        auto text = read_text_file(file);
        if (!text) return text.error();
        auto parsed = parse_kiosk_config(text.value(), std::filesystem::path(file).parent_path());
        if (!parsed) {
            const auto& e = parsed.error();
            return Error{file + (e.line ? ":" + std::to_string(e.line) : "") + ": " + e.message};
        }
        config = std::move(parsed).value();
    }
    if (flags.data_dir) config.data_dir = *flags.data_dir;
    if (flags.export_dir) config.export_dir = *flags.export_dir;
    if (flags.device) config.device = *flags.device;
    if (flags.org) config.org = *flags.org;
    if (flags.site) config.site = *flags.site;
    if (flags.server) config.server = *flags.server;
    if (flags.token) config.token = *flags.token;
    if (flags.idle_timeout) config.idle_timeout_s = *flags.idle_timeout;
    if (flags.sync_interval) config.sync_interval_s = *flags.sync_interval;
    if (flags.items_per_respondent) config.items_per_respondent = *flags.items_per_respondent;
    if (auto valid = validate(config); !valid) return valid.error();
    return config;
}

// SIGTERM/SIGINT/SIGHUP call `stop` (which ends the frame loop after the
// current frame); a thread waits for them so the UI thread never runs in a
// signal handler.
class SignalWatch {
  public:
    explicit SignalWatch(std::function<void()> stop) : stop_(std::move(stop)) {
        sigemptyset(&set_);
        for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&set_, sig);
        pthread_sigmask(SIG_BLOCK, &set_, nullptr);  // before any other thread starts
        thread_ = std::thread([this] {
            int sig = 0;
            while (sigwait(&set_, &sig) == 0 && sig != SIGUSR1) stop_();
        });
    }
    ~SignalWatch() {
        pthread_kill(thread_.native_handle(), SIGUSR1);  // SIGUSR1 only ends the watch
        thread_.join();
    }
    SignalWatch(const SignalWatch&) = delete;
    SignalWatch& operator=(const SignalWatch&) = delete;

  private:
    std::function<void()> stop_;
    sigset_t set_{};
    std::thread thread_;
};

ClientConfig upload_config(const KioskConfig& config, const std::string& ca_file) {
    ClientConfig client;
    client.server_url = config.server;
    client.token = config.token;
    client.ca_file = ca_file;
    return client;
}

// Files the e2e tests read: touch targets, and the texts each frame shows.
struct TestDumps {
    std::string layout, texts;
};

int run_kiosk(const KioskConfig& config, const ScoringConfig& scoring,
              const PlatformOptions& platform_options, const std::string& ca_file,
              const TestDumps& dumps) {
    Platform platform(platform_options);
    // Before any other thread starts; a SIGTERM during startup also ends cleanly.
    SignalWatch signals([&platform] { platform.request_stop(); });
    const auto regular_face = find_cjk_font();
    if (!regular_face)
        return fail(kDisplay, "no CJK font found (install fonts-noto-cjk or set CXKIOSK_FONT)");
    auto regular = MappedFont::open(*regular_face);
    if (!regular) return fail(kDisplay, regular.error().message);
    std::optional<MappedFont> bold;
    if (const auto bold_face = find_cjk_bold_font()) {
        if (auto mapped = MappedFont::open(*bold_face)) bold.emplace(std::move(mapped).value());
    }
    std::vector<const MappedFont*> fonts{&regular.value()};
    if (bold) fonts.push_back(&*bold);
    const UiText text;
    const auto texts = displayed_texts(scoring.questionnaire, config, text);
    auto codepoints = used_codepoints(texts, fonts);
    if (!codepoints) return fail(kBadData, codepoints.error().message);

    auto opened = open_data_dir_store(config.data_dir);
    if (!opened) return fail(kStore, opened.error().message);
    // The README promises the recovery on stderr too, not only in the audit log and on screen.
    if (const auto& notice = opened.value().recovery_notice)
        std::cerr << "cxkiosk: " << *notice << '\n';
    auto& store = *opened.value().store;
    if (const auto& notice = opened.value().recovery_notice)
        std::cerr << "cxkiosk: " << *notice << std::endl;

    SurveyTimings timings;
    timings.idle_timeout = std::chrono::seconds(config.idle_timeout_s);
    KioskApp app(scoring.questionnaire, scoring.policy, config, timings, store,
                 opened.value().recovery_notice.has_value());
    if (!dumps.layout.empty()) app.set_layout_dump(dumps.layout);
    if (!dumps.texts.empty()) app.set_text_dump(dumps.texts);
    // Uploads on its own thread through its own Store (own SQLite connection),
    // so the UI thread never waits on it; the UI only nudges it after a save
    // and when staff press "sync now".
    std::unique_ptr<Store> upload_store;
    std::unique_ptr<UploadWorker> uploader;
    if (!config.server.empty()) {
        auto reopened = Store::open((config.data_dir / Store::kFileName).string());
        if (!reopened) return fail(kStore, reopened.error().message);
        upload_store = std::move(reopened.value());
        uploader = std::make_unique<UploadWorker>(*upload_store, upload_config(config, ca_file),
                                                  std::chrono::seconds(config.sync_interval_s));
        app.on_response_saved([&worker = *uploader] { worker.nudge(); });
        app.set_sync_now([&worker = *uploader] { worker.sync_now(); });
        app.set_retry_refused([&worker = *uploader] { worker.retry_refused(); });
    }
    const FontSources sources{&regular.value(), bold ? &*bold : nullptr,
                              glyph_ranges(codepoints.value())};
    const auto ran = platform.run(sources, app);
    app.shutdown(std::chrono::steady_clock::now());
    if (!ran) return fail(kDisplay, ran.error().message);
    std::cerr << "cxkiosk: stopped" << std::endl;
    return kOk;
}

// The store of a data dir that must exist already (export, audit): never
// created or moved aside here, that is the kiosk's job.
Result<std::unique_ptr<Store>> open_existing_store(const std::filesystem::path& data_dir) {
    const auto path = data_dir / Store::kFileName;
    if (!std::filesystem::exists(path)) return Error{path.string() + ": no store here"};
    return Store::open(path.string());
}

int run_export(const std::filesystem::path& data_dir, const std::string& format_name,
               const std::filesystem::path& out, const ScoringConfig& scoring) {
    const auto format = parse_export_format(format_name);
    if (!format) return fail(kUsage, "--format must be jsonl, csv or xlsx");
    auto store = open_existing_store(data_dir);
    if (!store) return fail(kStore, store.error().message);
    auto exported =
        export_responses(*store.value(), scoring.questionnaire, scoring.policy, *format, out);
    if (!exported) return fail(kStore, exported.error().message);
    std::cerr << "cxkiosk: exported " << exported.value().records << " responses to "
              << exported.value().file.path.string() << " (sha256 " << exported.value().file.sha256
              << ")\n";
    return kOk;
}

int run_audit(const std::filesystem::path& data_dir) {
    auto store = open_existing_store(data_dir);
    if (!store) return fail(kStore, store.error().message);
    auto log = store.value()->audit_log();
    if (!log) return fail(kStore, log.error().message);
    for (const auto& entry : log.value()) std::cout << audit_json_line(entry) << '\n';
    std::cout.flush();
    return std::cout ? kOk : fail(kStore, "cannot write the audit log to stdout");
}

// One line from stdin; on a terminal with echo off, after `prompt`.
std::optional<std::string> read_pin_line(bool terminal, const char* prompt) {
    termios saved{};
    if (terminal) {  // echo off before the prompt, so nothing typed after it shows
        tcgetattr(STDIN_FILENO, &saved);
        termios quiet = saved;
        quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
        std::cerr << prompt << std::flush;
    }
    std::string line;
    const bool got = static_cast<bool>(std::getline(std::cin, line));
    if (terminal) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        std::cerr << '\n';
    }
    if (!got) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

int run_set_pin(const std::filesystem::path& data_dir) {
    const bool terminal = isatty(STDIN_FILENO) != 0;
    const auto pin = read_pin_line(terminal, "New staff PIN (4-12 digits): ");
    if (!pin) return fail(kBadData, "no PIN on stdin");
    if (auto valid = validate_pin(*pin); !valid) return fail(kBadData, valid.error().message);
    if (terminal) {
        const auto again = read_pin_line(true, "Repeat the PIN: ");
        if (!again || *again != *pin) return fail(kBadData, "the two PINs differ; nothing changed");
    }
    auto hash = hash_pin(*pin);
    if (!hash) return fail(kStore, hash.error().message);
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) return fail(kStore, data_dir.string() + ": cannot create data dir: " + ec.message());
    auto opened = Store::open((data_dir / Store::kFileName).string());
    if (!opened) return fail(kStore, opened.error().message);
    if (auto saved = opened.value()->set_pin_hash(hash.value()); !saved)
        return fail(kStore, saved.error().message);
    std::cerr << "cxkiosk: staff PIN set (Argon2id hash in " << data_dir.string() << ")\n";
    return kOk;
}

// One attempt per batch, no backoff waits (cron and systemd timers retry).
int run_sync(const KioskConfig& config, const std::string& ca_file, const SyncOptions& options) {
    if (config.server.empty() || config.token.empty())
        return fail(kUsage, "sync needs --server and --token (or server and token in --config)");
    const auto path = config.data_dir / Store::kFileName;
    if (!std::filesystem::exists(path)) return fail(kStore, path.string() + ": no store here");
    auto opened = Store::open(path.string());
    if (!opened) return fail(kStore, opened.error().message);
    auto report = sync_once(*opened.value(), upload_config(config, ca_file), options);
    std::cerr << "cxkiosk: sync sent " << report.sent << ", refused " << report.refused << ", "
              << report.remaining << " waiting"
              << (report.detail.empty() ? "" : ": " + report.detail) << '\n';
    if (report.store_failed) return kStore;
    // A record refused in this run is news for whoever runs it (cron, staff).
    return report.ok && report.remaining == 0 && report.refused == 0 ? kOk : kUnsent;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"cxkiosk — customer experience rating kiosk"};
    cli.footer(kExitCodes);
    std::string config_file;
    std::string config_dir = default_config_dir().string();
    Overrides flags;
    std::string size;
    PlatformOptions platform;
    cli.add_option("--config", config_file,
                   "kiosk config file (JSON, see config/kiosk.example.json)")
        ->check(CLI::ExistingFile);
    cli.add_option("--config-dir", config_dir, "questionnaire/policy directory")
        ->capture_default_str();
    cli.add_option("--data-dir", flags.data_dir, "where the response store lives");
    cli.add_option("--export-dir", flags.export_dir,
                   "folder staff can export to (besides removable media under /media, /run/media)");
    cli.add_flag("--windowed", platform.windowed, "a window instead of fullscreen (development)");
    cli.add_option("--size", size, "window size WxH with --windowed (default 1280x800)");
    cli.add_option("--device", flags.device, "device id");
    cli.add_option("--org", flags.org, "organisation id");
    cli.add_option("--site", flags.site, "site id");
    cli.add_option("--server", flags.server, "upload server URL (used by sync)");
    cli.add_option("--token", flags.token, "upload token (used by sync)");
    std::string ca_file;
    cli.add_option("--ca", ca_file, "CA certificate (PEM) of a private server CA")
        ->check(CLI::ExistingFile);
    cli.add_option("--sync-interval", flags.sync_interval, "seconds between uploads")
        ->check(CLI::Range(1, 86400));
    cli.add_option("--idle-timeout", flags.idle_timeout,
                   "seconds without a touch before \"Still there?\"")
        ->check(CLI::Range(1, 3600));
    cli.add_option("--items-per-respondent", flags.items_per_respondent,
                   "short form: items per customer (0: all)")
        ->check(CLI::Range(0, 1000));
    cli.add_flag("--render-continuously", platform.render_continuously)
        ->group("");  // benchmark baseline
    cli.add_flag("--report-startup", platform.report_startup)->group("");
    std::string layout_dump;  // for tests: every screen's touch targets as JSON (layout_dump.hpp)
    cli.add_option("--dump-layout", layout_dump)->group("");
    std::string text_dump;  // for tests: the texts each frame shows, with their boxes
    cli.add_option("--dump-texts", text_dump)->group("");

    auto* export_cmd = cli.add_subcommand("export", "write the stored responses to a file");
    std::string export_format;
    std::string export_out;
    export_cmd->add_option("--data-dir", flags.data_dir, "data dir of the kiosk");
    export_cmd->add_option("--config", config_file, "kiosk config file (for its data_dir)")
        ->check(CLI::ExistingFile);
    export_cmd
        ->add_option("--format", export_format,
                     "jsonl (canonical), csv (UTF-8 BOM, for Excel) or xlsx (responses + summary)")
        ->required();
    export_cmd->add_option("--out", export_out, "output file")->required();
    export_cmd->footer(kExitCodes);

    auto* set_pin_cmd = cli.add_subcommand(
        "set-pin",
        "set the staff PIN (4-12 digits) read from stdin: twice on a terminal, else one line");
    set_pin_cmd->add_option("--data-dir", flags.data_dir, "data dir of the kiosk");
    set_pin_cmd->add_option("--config", config_file, "kiosk config file (for its data_dir)")
        ->check(CLI::ExistingFile);
    set_pin_cmd->allow_extras();  // to refuse a PIN given as an argument with a clear message
    set_pin_cmd->footer(kExitCodes);

    auto* audit_cmd = cli.add_subcommand(
        "audit", "print the audit log as JSON Lines {\"event\",\"at\",\"detail\"} (UTC)");
    audit_cmd->add_option("--data-dir", flags.data_dir, "data dir of the kiosk");
    audit_cmd->add_option("--config", config_file, "kiosk config file (for its data_dir)")
        ->check(CLI::ExistingFile);
    audit_cmd->footer(kExitCodes);

    auto* sync_cmd = cli.add_subcommand(
        "sync", "upload waiting responses now; exit 0 only when nothing is left to send");
    bool once = false;
    sync_cmd->add_flag("--once", once, "one attempt per batch, then exit (the only mode)")
        ->required();
    sync_cmd->add_option("--data-dir", flags.data_dir, "data dir of the kiosk");
    sync_cmd->add_option("--config", config_file, "kiosk config file")->check(CLI::ExistingFile);
    sync_cmd->add_option("--server", flags.server, "upload server URL");
    sync_cmd->add_option("--token", flags.token, "device upload token");
    sync_cmd->add_option("--ca", ca_file, "CA certificate (PEM) of a private server CA")
        ->check(CLI::ExistingFile);
    SyncOptions sync_options;
    sync_cmd->add_flag("--retry-refused", sync_options.retry_refused,
                       "send the records the server refused again (they wait again first)");
    sync_cmd->footer(kExitCodes);

    try {
        cli.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return cli.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return cli.exit(e);
    } catch (const CLI::ParseError& e) {
        cli.exit(e);
        return kUsage;
    }
    if (*set_pin_cmd && !set_pin_cmd->remaining().empty()) {
        return fail(kUsage,
                    "set-pin reads the PIN from stdin, never from the command line "
                    "(it would stay in the shell history and the process list)");
    }
    if (!size.empty() &&
        std::sscanf(size.c_str(), "%dx%d", &platform.width, &platform.height) != 2) {
        return fail(kUsage, "--size must look like 1280x800");
    }
    if (platform.width < 320 || platform.height < 240) return fail(kUsage, "--size is too small");

    auto config = load_kiosk_config(config_file, flags);
    if (!config) return fail(kBadData, config.error().message);
    auto scoring = load_scoring_config(config_dir);
    if (!scoring) return fail(kBadData, scoring.error().message);

    if (*export_cmd) {
        return run_export(config.value().data_dir, export_format, export_out, scoring.value());
    }
    if (*set_pin_cmd) return run_set_pin(config.value().data_dir);
    if (*audit_cmd) return run_audit(config.value().data_dir);
    if (*sync_cmd) return run_sync(config.value(), ca_file, sync_options);
    return run_kiosk(config.value(), scoring.value(), platform, ca_file, {layout_dump, text_dump});
}
