#include "kiosk_commands.hpp"

#include <optional>

#include "cx/assets/font.hpp"
#include "cx/config/secret_input.hpp"
#include "cx/config/signal_watch.hpp"
#include "cx/kiosk/enrolment.hpp"
#include "cx/kiosk/export.hpp"
#include "cx/kiosk/kiosk_app.hpp"
#include "cx/kiosk/pin.hpp"
#include "cx/kiosk/recovery.hpp"
#include "cx/kiosk/status.hpp"
#include "cx/kiosk/store.hpp"
#include "cx/sync/uploader.hpp"
#include "upload_token.hpp"

namespace cx::kiosk {

namespace {

// The token in the settings file, or else the one in DATA_DIR/token.
Result<ClientConfig> upload_config(const KioskConfig& config, const std::string& ca_file) {
    ClientConfig client;
    client.version = CX_VERSION;
    client.data_dir = config.data_dir;
    client.server_url = config.server;
    client.token = config.token;
    client.ca_file = ca_file;
    if (client.token.empty()) {
        auto from_file = read_token_file(config.data_dir);
        if (!from_file) return from_file.error();
        client.token = std::move(from_file).value();
    }
    return client;
}

int fail_token(const Console& console, const KioskConfig& config, const Error& error) {
    if (error.kind == ErrorKind::NotFound)
        return console.fail(ExitCode::Usage,
                            "uploading to " + config.server +
                                " needs a token: \"token\" in the settings file (--config) or "
                                "the file " +
                                (config.data_dir / kTokenFileName).string() + " (mode 600)");
    return console.fail(ExitCode::BadData, error.message);
}

// The store of a data dir that must exist already (export, audit, status, sync): never
// created or moved aside here, that is the kiosk's job. Opening it may migrate it, which
// seals its records: the device key is created if the data dir has none yet.
Result<std::unique_ptr<Store>> open_existing_store(const std::filesystem::path& data_dir) {
    const auto path = data_dir / Store::kFileName;
    if (!std::filesystem::exists(path))
        return make_error(ErrorKind::NotFound, path.string() + ": no store here");
    auto key = load_device_key(data_dir);
    if (!key) return key.error();
    return Store::open(path.string(), key.value());
}

}  // namespace

int Console::fail(ExitCode code, const std::string& message) const {
    err << "cxkiosk: " << message << std::endl;
    return to_int(code);
}

int run_kiosk(const Console& console, const KioskConfig& config, const ScoringConfig& scoring,
              const PlatformOptions& platform_options, const std::string& ca_file,
              const std::string& layout_dump, const std::string& text_dump) {
    Platform platform(platform_options);
    // Before any other thread starts (they inherit the blocked signals); a
    // SIGTERM during startup also ends cleanly, as the stop sticks.
    auto signals = SignalWatch::start([&platform](int) { platform.request_stop(); });
    if (!signals) return console.fail(ExitCode::Failure, signals.error().message);
    std::optional<ClientConfig> client;
    if (!config.server.empty()) {
        auto made = upload_config(config, ca_file);
        if (made) {
            client = std::move(made).value();
        } else if (made.error().kind == ErrorKind::NotFound) {
            // Not enrolled yet: staff enrol it from the panel (or `cxkiosk enrol`).
            console.err << "cxkiosk: no upload token yet (" << made.error().message
                        << "): uploads are off until the kiosk is enrolled and restarted"
                        << std::endl;
        } else {
            return fail_token(console, config, made.error());
        }
    }
    const auto regular_face = find_cjk_font();
    if (!regular_face)
        return console.fail(ExitCode::Display,
                            "no CJK font found (install fonts-noto-cjk or set CXKIOSK_FONT)");
    auto regular = MappedFont::open(*regular_face);
    if (!regular) return console.fail(ExitCode::Display, regular.error().message);
    std::optional<MappedFont> bold;
    if (const auto bold_face = find_cjk_bold_font()) {
        if (auto mapped = MappedFont::open(*bold_face)) bold.emplace(std::move(mapped).value());
    }
    std::vector<const MappedFont*> fonts{&regular.value()};
    if (bold) fonts.push_back(&*bold);
    const UiText text;
    const auto texts = displayed_texts(scoring.questionnaire, config, text);
    auto codepoints = used_codepoints(texts, fonts);
    if (!codepoints) return console.fail(ExitCode::BadData, codepoints.error().message);
    auto title_codepoints = used_codepoints(title_texts(config, text), fonts);
    if (!title_codepoints) return console.fail(ExitCode::BadData, title_codepoints.error().message);

    auto opened = open_data_dir_store(config.data_dir);
    if (!opened) return console.fail(ExitCode::Store, opened.error().message);
    auto& store = *opened.value().store;
    if (const auto& notice = opened.value().recovery_notice)
        console.err << "cxkiosk: " << *notice << std::endl;

    SurveyTimings timings;
    timings.idle_timeout = std::chrono::seconds(config.idle_timeout_s);
    KioskApp app(scoring.questionnaire, scoring.policy, config, timings, store,
                 opened.value().recovery_notice.has_value());
    if (!layout_dump.empty()) app.set_layout_dump(layout_dump);
    if (!text_dump.empty()) app.set_text_dump(text_dump);
    app.set_ca_file(ca_file);
    // Uploads on its own thread through its own Store (own SQLite connection),
    // so the UI thread never waits on it; the UI only nudges it after a save
    // and when staff press "sync now".
    std::unique_ptr<Store> upload_store;
    std::unique_ptr<UploadWorker> uploader;
    if (client) {
        auto reopened =
            Store::open((config.data_dir / Store::kFileName).string(), store.signing_key());
        if (!reopened) return console.fail(ExitCode::Store, reopened.error().message);
        upload_store = std::move(reopened.value());
        uploader = std::make_unique<UploadWorker>(*upload_store, *client,
                                                  std::chrono::seconds(config.sync_interval_s));
        app.on_response_saved([&worker = *uploader] { worker.nudge(); });
        app.set_sync_now([&worker = *uploader] { worker.sync_now(); });
        app.set_retry_refused([&worker = *uploader] { worker.retry_refused(); });
    }
    const FontSources sources{&regular.value(), bold ? &*bold : nullptr,
                              glyph_ranges(codepoints.value()),
                              glyph_ranges(title_codepoints.value())};
    const auto ran = platform.run(sources, app);
    app.shutdown(std::chrono::steady_clock::now());
    if (!ran) return console.fail(ExitCode::Display, ran.error().message);
    console.err << "cxkiosk: stopped" << std::endl;
    return to_int(ExitCode::Ok);
}

int run_export(const Console& console, const std::filesystem::path& data_dir,
               const std::string& format_name, const std::filesystem::path& out,
               const ScoringConfig& scoring) {
    const auto format = parse_export_format(format_name);
    if (!format) return console.fail(ExitCode::Usage, "--format must be jsonl, csv or xlsx");
    auto store = open_existing_store(data_dir);
    if (!store) return console.fail(ExitCode::Store, store.error().message);
    auto exported =
        export_responses(*store.value(), scoring.questionnaire, scoring.policy, *format, out);
    if (!exported)
        return console.fail(exit_code_for(exported.error().kind), exported.error().message);
    console.err << "cxkiosk: exported " << exported.value().records << " responses to "
                << exported.value().file.path.string() << " (sha256 "
                << exported.value().file.sha256 << ")" << std::endl;
    return to_int(ExitCode::Ok);
}

int run_audit(const Console& console, const std::filesystem::path& data_dir) {
    auto store = open_existing_store(data_dir);
    if (!store) return console.fail(ExitCode::Store, store.error().message);
    auto log = store.value()->audit_log();
    if (!log) return console.fail(ExitCode::Store, log.error().message);
    for (const auto& entry : log.value()) console.out << audit_json_line(entry) << '\n';
    console.out.flush();
    return console.out ? to_int(ExitCode::Ok)
                       : console.fail(ExitCode::Output, "cannot write the audit log to stdout");
}

int run_status(const Console& console, const KioskConfig& config, const ScoringConfig& scoring,
               const std::string& format_name) {
    auto store = open_existing_store(config.data_dir);
    if (!store) return console.fail(ExitCode::Store, store.error().message);
    const StoreIdentity identity{config.device, config.org, config.site, scoring.questionnaire.id};
    auto status = read_status(*store.value(), identity);
    if (!status) return console.fail(ExitCode::Store, status.error().message);
    if (format_name == "text")
        console.out << render_status_text(status.value());
    else
        console.out << render_status_json(status.value()) << '\n';
    console.out.flush();
    return to_int(ExitCode::Ok);
}

int run_set_pin(const Console& console, const std::filesystem::path& data_dir) {
    const bool terminal = stdin_is_terminal();
    const auto pin = read_secret_line(console.err, "New staff PIN (4-12 digits): ");
    if (!pin) return console.fail(ExitCode::BadData, "no PIN on stdin");
    if (auto valid = validate_pin(*pin); !valid)
        return console.fail(ExitCode::BadData, valid.error().message);
    if (terminal) {
        const auto again = read_secret_line(console.err, "Repeat the PIN: ");
        if (!again || *again != *pin)
            return console.fail(ExitCode::BadData, "the two PINs differ; nothing changed");
    }
    auto hash = hash_pin(*pin);
    if (!hash) return console.fail(ExitCode::Store, hash.error().message);
    if (auto created = create_data_dir(data_dir); !created)
        return console.fail(ExitCode::Store, created.error().message);
    auto key = load_device_key(data_dir);
    if (!key) return console.fail(ExitCode::Store, key.error().message);
    auto opened = Store::open((data_dir / Store::kFileName).string(), key.value());
    if (!opened) return console.fail(ExitCode::Store, opened.error().message);
    if (auto saved = opened.value()->set_pin_hash(hash.value()); !saved)
        return console.fail(ExitCode::Store, saved.error().message);
    console.err << "cxkiosk: staff PIN set (Argon2id hash in " << data_dir.string() << ")"
                << std::endl;
    return to_int(ExitCode::Ok);
}

int run_pubkey(const Console& console, const std::filesystem::path& data_dir) {
    if (auto created = create_data_dir(data_dir); !created)
        return console.fail(ExitCode::Store, created.error().message);
    auto key = load_device_key(data_dir);
    if (!key) return console.fail(ExitCode::Store, key.error().message);
    console.out << key.value().public_key().hex() << '\n';
    console.out.flush();
    return console.out ? to_int(ExitCode::Ok)
                       : console.fail(ExitCode::Output, "cannot write the key to stdout");
}

// One attempt per batch, no backoff waits (cron and systemd timers retry).
int run_sync(const Console& console, const KioskConfig& config, const std::string& ca_file,
             const SyncOptions& options) {
    if (config.server.empty())
        return console.fail(ExitCode::Usage, "sync needs --server (or server in --config)");
    auto client = upload_config(config, ca_file);
    if (!client) return fail_token(console, config, client.error());
    auto store = open_existing_store(config.data_dir);
    if (!store) return console.fail(ExitCode::Store, store.error().message);
    auto report = sync_once(*store.value(), client.value(), options);
    console.err << "cxkiosk: sync sent " << report.sent << ", refused " << report.refused << ", "
                << report.remaining << " waiting"
                << (report.detail.empty() ? "" : ": " + report.detail) << std::endl;
    if (report.store_failed) return to_int(ExitCode::Store);
    // A record refused in this run is news for whoever runs it (cron, staff).
    const bool all_delivered = report.ok && report.remaining == 0 && report.refused == 0;
    return to_int(all_delivered ? ExitCode::Ok : ExitCode::Unsent);
}

int run_enrol(const Console& console, const KioskConfig& config, const std::string& ca_file,
              const std::string& code, bool force) {
    if (config.server.empty())
        return console.fail(ExitCode::Usage, "enrol needs --server (or server in --config)");
    EnrolmentRequest request{{config.server, ca_file}, code, config.data_dir, force};
    auto enrolled = enrol_kiosk(request);
    if (!enrolled) {
        const auto& error = enrolled.error();
        switch (error.kind) {
            case ErrorKind::Invalid:
                return console.fail(ExitCode::Usage, error.message);
            case ErrorKind::Network:
            case ErrorKind::Refused:
                return console.fail(ExitCode::Failure, "enrolment failed: " + error.message);
            default:
                return console.fail(ExitCode::Store, error.message);
        }
    }
    const auto& device = enrolled.value();
    console.out << "enrolled as org " << device.org << ", site " << device.site << ", device "
                << device.device << "; token written to "
                << (config.data_dir / kTokenFileName).string() << " (mode 600)" << std::endl;
    // The kiosk stamps its records with the settings' names; the server takes only the
    // token's (PROTOCOL.md "forbidden").
    if (config.org != device.org || config.site != device.site || config.device != device.device)
        console.err << "cxkiosk: warning: the settings name org " << config.org << ", site "
                    << config.site << ", device " << config.device
                    << ": set them to the enrolled ones, or the server refuses the records"
                    << std::endl;
    return to_int(ExitCode::Ok);
}

}  // namespace cx::kiosk
