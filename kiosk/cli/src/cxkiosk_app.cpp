#include "cx/kiosk/cxkiosk_app.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <optional>
#include <ostream>
#include <vector>

#include "cx/config/command_line.hpp"
#include "cx/config/config_files.hpp"
#include "cx/config/exit_codes.hpp"
#include "kiosk_commands.hpp"
#include "upload_token.hpp"

namespace cx {

namespace {

using namespace cx::kiosk;

const std::string& exit_codes_footer() {
    static const std::string footer = describe_exit_codes(
        {ExitCode::Ok, ExitCode::Failure, ExitCode::Usage, ExitCode::BadData, ExitCode::Store,
         ExitCode::Display, ExitCode::Unsent, ExitCode::Output});
    return footer;
}

// Flags given on the command line; each overrides the config file.
struct Overrides {
    std::optional<std::string> data_dir, export_dir, device, org, site, server;
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
        if (!config.token.empty()) {
            if (auto private_file = check_private_file(file); !private_file)
                return private_file.error();
        }
    }
    if (flags.data_dir) config.data_dir = *flags.data_dir;
    if (flags.export_dir) config.export_dir = *flags.export_dir;
    if (flags.device) config.device = *flags.device;
    if (flags.org) config.org = *flags.org;
    if (flags.site) config.site = *flags.site;
    if (flags.server) config.server = *flags.server;
    if (flags.idle_timeout) config.idle_timeout_s = *flags.idle_timeout;
    if (flags.sync_interval) config.sync_interval_s = *flags.sync_interval;
    if (flags.items_per_respondent) config.items_per_respondent = *flags.items_per_respondent;
    if (auto valid = validate(config); !valid) return valid.error();
    return config;
}

}  // namespace

int run_cxkiosk(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    const Console console{out, err};
    CLI::App cli{"cxkiosk — customer experience rating kiosk"};
    cli.footer(exit_codes_footer());
    std::string config_file;
    std::string config_dir = default_config_dir().string();
    Overrides flags;
    std::string size;
    PlatformOptions platform;
    // A token given as an argument is taken only to be refused with a clear message.
    std::string token_argument;
    std::vector<CLI::Option*> token_options;
    auto refuse_token = [&](CLI::App* command) {
        token_options.push_back(command->add_option("--token", token_argument)->group(""));
    };
    cli.add_option("--config", config_file,
                   "kiosk settings file (JSON, see config/kiosk.example.json); its \"token\" "
                   "is the upload token (or the file DATA_DIR/token, mode 600)")
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
    cli.add_option("--server", flags.server, "upload server URL");
    refuse_token(&cli);
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

    auto add_data_dir = [&](CLI::App* command) {
        command->add_option("--data-dir", flags.data_dir, "data dir of the kiosk");
        command->add_option("--config", config_file, "kiosk settings file (for its data_dir)")
            ->check(CLI::ExistingFile);
        command->footer(exit_codes_footer());
    };

    auto* export_cmd = cli.add_subcommand("export", "write the stored responses to a file");
    add_data_dir(export_cmd);
    std::string export_format;
    std::string export_out;
    export_cmd
        ->add_option("--format", export_format,
                     "jsonl (canonical), csv (UTF-8 BOM, for Excel) or xlsx (responses + summary)")
        ->required();
    export_cmd->add_option("--out", export_out, "output file")->required();

    auto* set_pin_cmd = cli.add_subcommand(
        "set-pin",
        "set the staff PIN (4-12 digits) read from stdin: twice on a terminal, else one line");
    add_data_dir(set_pin_cmd);
    set_pin_cmd->allow_extras();  // to refuse a PIN given as an argument with a clear message

    auto* audit_cmd = cli.add_subcommand(
        "audit", "print the audit log as JSON Lines {\"event\",\"at\",\"detail\"} (UTC)");
    add_data_dir(audit_cmd);

    auto* status_cmd = cli.add_subcommand(
        "status",
        "print counts (complete, incomplete, waiting, sent, refused, flagged), the last sync, "
        "the newest refusal reasons, the store's schema version, device/org/site, the device "
        "key and the head of its record chain");
    add_data_dir(status_cmd);
    std::string status_format = "json";
    status_cmd->add_option("--format", status_format, "json (default) or text")
        ->check(CLI::IsMember({"json", "text"}));

    auto* pubkey_cmd = cli.add_subcommand(
        "pubkey",
        "print the device's Ed25519 public key (64 hex), creating DATA_DIR/device.key (mode "
        "600) if there is none yet, to register with `cxserver add-token --pubkey`");
    add_data_dir(pubkey_cmd);

    auto* sync_cmd = cli.add_subcommand(
        "sync",
        "upload waiting responses now; exit 0 only when nothing is left to send and the server "
        "refused none of them");
    add_data_dir(sync_cmd);
    bool once = false;
    sync_cmd->add_flag("--once", once, "one attempt per batch, then exit (the only mode)")
        ->required();
    sync_cmd->add_option("--server", flags.server, "upload server URL");
    refuse_token(sync_cmd);
    sync_cmd->add_option("--ca", ca_file, "CA certificate (PEM) of a private server CA")
        ->check(CLI::ExistingFile);
    SyncOptions sync_options;
    sync_cmd->add_flag("--retry-refused", sync_options.retry_refused,
                       "send the records the server refused again (they wait again first)");

    auto* enrol_cmd = cli.add_subcommand(
        "enrol",
        "enrol this kiosk with a one-time code from `cxserver enrol-code`: sends the device's "
        "public key with the code and writes the device token to DATA_DIR/token (mode 600); "
        "the token is never printed");
    add_data_dir(enrol_cmd);
    enrol_cmd->add_option("--server", flags.server,
                          "server URL, https://… (or server in --config); plain http only to "
                          "127.0.0.1, ::1 or localhost");
    std::string enrolment_code;
    enrol_cmd->add_option("--code", enrolment_code, "the code, e.g. 1234-5678-9012")->required();
    enrol_cmd->add_option("--ca", ca_file, "CA certificate (PEM) of a private server CA")
        ->check(CLI::ExistingFile);
    bool force_enrolment = false;
    enrol_cmd->add_flag("--force", force_enrolment,
                        "enrol a kiosk that has a token already (replaces it; the device key "
                        "and its record chain stay)");

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return finish_parse(cli, e, out, err);
    }
    for (const auto* option : token_options)
        if (option->count() > 0) return console.fail(ExitCode::Usage, token_argument_refusal());
    if (*set_pin_cmd && !set_pin_cmd->remaining().empty()) {
        return console.fail(ExitCode::Usage,
                            "set-pin reads the PIN from stdin, never from the command line "
                            "(it would stay in the shell history and the process list)");
    }
    if (!size.empty() &&
        std::sscanf(size.c_str(), "%dx%d", &platform.width, &platform.height) != 2) {
        return console.fail(ExitCode::Usage, "--size must look like 1280x800");
    }
    if (platform.width < 320 || platform.height < 240)
        return console.fail(ExitCode::Usage, "--size is too small");

    auto config = load_kiosk_config(config_file, flags);
    if (!config) return console.fail(ExitCode::BadData, config.error().message);
    auto scoring = load_scoring_config(config_dir);
    if (!scoring) return console.fail(ExitCode::BadData, scoring.error().message);

    if (*export_cmd)
        return run_export(console, config.value().data_dir, export_format, export_out,
                          scoring.value());
    if (*set_pin_cmd) return run_set_pin(console, config.value().data_dir);
    if (*audit_cmd) return run_audit(console, config.value().data_dir);
    if (*pubkey_cmd) return run_pubkey(console, config.value().data_dir);
    if (*status_cmd) return run_status(console, config.value(), scoring.value(), status_format);
    if (*enrol_cmd)
        return run_enrol(console, config.value(), ca_file, enrolment_code, force_enrolment);
    if (*sync_cmd) return run_sync(console, config.value(), ca_file, sync_options);
    return run_kiosk(console, config.value(), scoring.value(), platform, ca_file, layout_dump,
                     text_dump);
}

}  // namespace cx
