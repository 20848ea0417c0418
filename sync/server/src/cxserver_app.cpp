#include "cx/server/cxserver_app.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <ostream>
#include <vector>

#include "cx/config/command_line.hpp"
#include "cx/config/exit_codes.hpp"
#include "cx/config/secret_input.hpp"
#include "cx/config/signal_watch.hpp"
#include "cx/integrity/seal.hpp"
#include "cx/server/api_server.hpp"
#include "cx/server/duration_text.hpp"
#include "cx/server/enrolment_codes.hpp"
#include "cx/server/export_file.hpp"
#include "cx/server/sqlite_backup.hpp"
#include "cx/server/terminal_qr.hpp"
#include "cx/server/tokens.hpp"
#include "cx/server/user_accounts.hpp"
#include "cx/sync/enrolment.hpp"

namespace cx {

namespace {

const std::string& exit_codes_footer() {
    static const std::string footer =
        describe_exit_codes({ExitCode::Ok, ExitCode::Failure, ExitCode::Usage, ExitCode::BadData,
                             ExitCode::Store, ExitCode::Output, ExitCode::NotFound});
    return footer;
}

// The streams a command writes to; fail() prints "cxserver: message" and returns the code.
struct Console {
    std::ostream& out;
    std::ostream& err;
    int fail(ExitCode code, const std::string& message) const {
        err << "cxserver: " << message << std::endl;
        return to_int(code);
    }
};

struct ServeArguments {
    std::string listen = "127.0.0.1:8443";
    ServerOptions options;
    int io_timeout_seconds = static_cast<int>(ServerOptions{}.io_timeout.count());
    std::string config_dir;
    std::string silent_after = "30m";
    std::string session_idle = "30m";
    std::string session_max = "12h";
    std::int64_t low_disk_mb = FleetRules{}.low_disk_bytes >> 20;
};

int serve(const Console& console, ServerStore& store, ServeArguments arguments) {
    auto& options = arguments.options;
    auto address = parse_listen_address(arguments.listen);
    if (!address) return console.fail(ExitCode::Usage, address.error().message);
    std::tie(options.host, options.port) = address.value();
    auto silent_after = parse_duration(arguments.silent_after);
    if (!silent_after)
        return console.fail(ExitCode::Usage, "--silent-after: " + silent_after.error().message);
    for (auto [flag, text, bound] :
         {std::tuple{"--session-idle", &arguments.session_idle, &options.sessions.idle},
          std::tuple{"--session-max", &arguments.session_max, &options.sessions.max}}) {
        auto duration = parse_duration(*text);
        if (!duration)
            return console.fail(ExitCode::Usage,
                                std::string(flag) + ": " + duration.error().message);
        *bound = duration.value();
    }
    FleetRules fleet;
    fleet.silent_after = silent_after.value();
    fleet.low_disk_bytes = arguments.low_disk_mb << 20;
    options.io_timeout = std::chrono::seconds{arguments.io_timeout_seconds};
    auto config = load_scoring_config(arguments.config_dir.empty()
                                          ? default_config_dir()
                                          : std::filesystem::path(arguments.config_dir));
    if (!config) return console.fail(ExitCode::BadData, config.error().message);
    ApiService service(store, config.value(), fleet);
    RequestLog log(stderr);
    ApiServer server(service, options, log);
    auto port = server.bind();
    if (!port) return console.fail(ExitCode::Failure, port.error().message);
    // Started before the server's worker threads, which inherit the blocked signals.
    auto signals = SignalWatch::start([&server](int) { server.stop(); });
    if (!signals) return console.fail(ExitCode::Failure, signals.error().message);
    // Tests and supervisors read this line to learn the port.
    console.out << "cxserver: listening on " << (options.tls_cert.empty() ? "http" : "https")
                << "://" << options.host << ":" << port.value() << std::endl;
    return server.run() ? to_int(ExitCode::Ok)
                        : console.fail(ExitCode::Failure, "the listener stopped with an error");
}

// The token to revoke comes from stdin, one line (never from the command line).
int revoke_token(const Console& console, ServerStore& store, std::optional<std::int64_t> id) {
    TokenService tokens(store);
    Result<bool> revoked = false;
    if (id) {
        revoked = tokens.revoke(*id);
    } else {
        auto token = read_secret_line(console.err, "Token to revoke: ");
        if (!token || token->empty())
            return console.fail(ExitCode::Usage,
                                "revoke-token needs --id N, or the token as one line on stdin");
        revoked = tokens.revoke(*token);
    }
    if (!revoked) return console.fail(ExitCode::Store, revoked.error().message);
    if (!revoked.value()) return console.fail(ExitCode::NotFound, "no active token matches");
    console.out << "revoked" << std::endl;
    return to_int(ExitCode::Ok);
}

// One line a token, columns aligned: what rotating or revoking one needs (its id),
// never the token itself (the store has only its hash). Revoked ones with `all`.
int list_tokens(const Console& console, ServerStore& store, const std::string& org, bool all) {
    auto tokens =
        store.list_tokens(org.empty() ? std::nullopt : std::optional<std::string_view>(org));
    if (!tokens) return console.fail(ExitCode::Store, tokens.error().message);
    std::vector<std::array<std::string, 7>> table{
        {"id", "role", "org", "site", "device", "created", "revoked"}};
    for (const auto& token : tokens.value()) {
        if (token.revoked_at && !all) continue;
        const auto& grant = token.grant;
        table.push_back({std::to_string(grant.id), std::string(to_string(grant.role)), grant.org,
                         grant.site.empty() ? "-" : grant.site,
                         grant.device.empty() ? "-" : grant.device, token.created_at,
                         token.revoked_at.value_or("-")});
    }
    std::array<std::size_t, 7> widths{};
    for (const auto& row : table)
        for (std::size_t column = 0; column < row.size(); ++column)
            widths[column] = std::max(widths[column], row[column].size());
    const std::size_t columns = all ? 7 : 6;
    for (const auto& row : table) {
        std::string line;
        for (std::size_t column = 0; column < columns; ++column) {
            line += row[column];
            if (column + 1 < columns) line.append(widths[column] - row[column].size() + 2, ' ');
        }
        console.out << line << "\n";
    }
    console.out.flush();
    return to_int(ExitCode::Ok);
}

// backup and restore work on the SQLite file itself, before any store is opened
// (a restore must not migrate or lock the database it is about to replace).
int back_up_or_restore(const Console& console, const std::string& db, bool restore,
                       const std::string& file) {
    auto url = parse_db_url(db);
    if (!url) return console.fail(ExitCode::Usage, url.error().message);
    if (url.value().kind != DbUrl::Kind::Sqlite)
        return console.fail(
            ExitCode::Usage,
            "backup and restore are for the embedded SQLite database; back up "
            "PostgreSQL with pg_dump and restore with pg_restore (deploy/README.md)");
    const auto& path = url.value().location;
    if (restore) {
        auto restored = restore_sqlite(file, path);
        if (!restored) {
            const auto kind = restored.error().kind;
            const bool bad_backup = kind == ErrorKind::Invalid || kind == ErrorKind::Damaged ||
                                    kind == ErrorKind::TooNew;
            return console.fail(bad_backup ? ExitCode::BadData : ExitCode::Store,
                                restored.error().message);
        }
        console.err << "cxserver: restored " << path << " from " << file << std::endl;
        return to_int(ExitCode::Ok);
    }
    auto written = back_up_sqlite(path, file);
    if (!written)
        return console.fail(
            written.error().kind == ErrorKind::Io ? ExitCode::Output : ExitCode::Store,
            written.error().message);
    console.out << "sha256: " << written.value().sha256 << "\nbytes: " << written.value().bytes
                << std::endl;
    console.err << "cxserver: backed up " << path << " to " << file << std::endl;
    return to_int(ExitCode::Ok);
}

// Issues a token; with `pubkey`, binds the device's key too (sync/PROTOCOL.md "Device keys").
int issue_token(const Console& console, ServerStore& store, const TokenGrant& requested,
                const std::string& pubkey) {
    auto& out = console.out;
    if (!pubkey.empty()) {
        if (requested.role != Role::Device)
            return console.fail(ExitCode::Usage,
                                "--pubkey binds a device's key: only with --role device");
        if (auto key = integrity::PublicKey::from_hex(pubkey); !key)
            return console.fail(ExitCode::Usage, "--pubkey: " + key.error().message);
    }
    TokenService tokens(store);
    auto issued = tokens.issue(requested);
    if (!issued) {
        // A grant that breaks a rule is the command line's fault; anything else the database's.
        const bool bad_grant = issued.error().kind == ErrorKind::Invalid;
        return console.fail(bad_grant ? ExitCode::Usage : ExitCode::Store, issued.error().message);
    }
    const auto& grant = issued.value().grant;
    if (!pubkey.empty()) {
        auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
        if (auto bound = store.bind_key(grant.org, grant.device, pubkey, format_utc_timestamp(now));
            !bound) {
            // A token whose key is not bound would upload only to be refused: take it back.
            (void)tokens.revoke(grant.id);
            return console.fail(ExitCode::Store, bound.error().message);
        }
    }
    out << "id: " << grant.id << "\nrole: " << to_string(grant.role) << "\norg: " << grant.org
        << "\n";
    if (grant.role == Role::Device)
        out << "site: " << grant.site << "\ndevice: " << grant.device << "\n";
    if (!pubkey.empty()) out << "pubkey: " << pubkey << "\n";
    out << issued.value().token << std::endl;
    return to_int(ExitCode::Ok);
}

// Prints the code grouped for reading, and as a QR code when stdout is a terminal.
int issue_enrolment_code(const Console& console, ServerStore& store, const TokenGrant& device,
                         const std::string& ttl_text) {
    auto ttl = parse_enrolment_ttl(ttl_text);
    if (!ttl) return console.fail(ExitCode::Usage, ttl.error().message);
    EnrolmentService enrolment(store);
    auto issued = enrolment.issue(device, ttl.value());
    if (!issued) {
        const bool bad_grant = issued.error().kind == ErrorKind::Invalid;
        return console.fail(bad_grant ? ExitCode::Usage : ExitCode::Store, issued.error().message);
    }
    const auto& code = issued.value();
    auto& out = console.out;
    out << "org: " << device.org << "\nsite: " << device.site << "\ndevice: " << device.device
        << "\nexpires: " << code.expires_at << "\n";
    if (&out == &std::cout && isatty(STDOUT_FILENO)) {
        if (auto drawn = terminal_qr(code.code)) out << drawn.value();
    }
    out << group_enrolment_code(code.code) << std::endl;
    return to_int(ExitCode::Ok);
}

// A new password from stdin, one line (asked twice on a terminal); never echoed.
Result<std::string> read_new_password(const Console& console) {
    const bool terminal = stdin_is_terminal();
    auto password = read_secret_line(
        console.err,
        ("New password (at least " + std::to_string(kMinPasswordBytes) + " characters): ").c_str());
    if (!password || password->empty()) return Error{"no password on stdin (one line)"};
    if (auto valid = check_password(*password); !valid) return valid.error();
    if (terminal) {
        auto again = read_secret_line(console.err, "Repeat the password: ");
        if (!again || *again != *password)
            return Error{"the two passwords differ; nothing changed"};
    }
    return std::move(*password);
}

int add_user(const Console& console, ServerStore& store, const std::string& name,
             const std::string& role_text, const std::string& org) {
    auto password = read_new_password(console);
    if (!password) return console.fail(ExitCode::BadData, password.error().message);
    auto added = UserAccounts(store).add(name, *parse_user_role(role_text), org, password.value());
    if (!added) {
        // A user that breaks a rule (or exists) is the command line's fault; anything else the
        // database's.
        const bool bad_user = added.error().kind == ErrorKind::Invalid;
        return console.fail(bad_user ? ExitCode::Usage : ExitCode::Store, added.error().message);
    }
    const auto& user = added.value();
    console.out << "id: " << user.id << "\nname: " << user.name
                << "\nrole: " << to_string(user.role) << "\n";
    if (!user.org.empty()) console.out << "org: " << user.org << "\n";
    console.out.flush();
    return to_int(ExitCode::Ok);
}

int change_password(const Console& console, ServerStore& store, const std::string& name) {
    auto password = read_new_password(console);
    if (!password) return console.fail(ExitCode::BadData, password.error().message);
    auto changed = UserAccounts(store).change_password(name, password.value());
    if (!changed) return console.fail(ExitCode::Store, changed.error().message);
    if (!changed.value()) return console.fail(ExitCode::NotFound, "no user named " + name);
    console.out << "password changed" << std::endl;
    return to_int(ExitCode::Ok);
}

int disable_user(const Console& console, ServerStore& store, const std::string& name) {
    auto disabled = UserAccounts(store).disable(name);
    if (!disabled) return console.fail(ExitCode::Store, disabled.error().message);
    if (!disabled.value()) return console.fail(ExitCode::NotFound, "no user named " + name);
    console.out << "disabled; their sessions have ended" << std::endl;
    return to_int(ExitCode::Ok);
}

// One line a user: name, role, org, state and when it last changed (never a hash).
int list_users(const Console& console, ServerStore& store) {
    auto users = store.list_users();
    if (!users) return console.fail(ExitCode::Store, users.error().message);
    for (const auto& user : users.value())
        console.out << user.name << "  " << to_string(user.role) << "  "
                    << (user.org.empty() ? "-" : user.org) << "  "
                    << (user.disabled ? "disabled" : "active") << "  " << user.changed_at << "\n";
    console.out.flush();
    return to_int(ExitCode::Ok);
}

}  // namespace

int run_cxserver(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    const Console console{out, err};
    CLI::App app{"cxserver — receives kiosk uploads, serves scores and exports (sync/PROTOCOL.md)"};
    app.footer(exit_codes_footer());
    app.require_subcommand(1);

    std::string db;
    auto add_db = [&](CLI::App* command) {
        command
            ->add_option("--db", db,
                         "database: sqlite:PATH (embedded) or postgresql://USER@HOST:PORT/DB "
                         "(several cxserver instances may share one)")
            ->required();
        command->footer(exit_codes_footer());
    };

    auto* serve_command = app.add_subcommand("serve", "run the HTTP(S) server");
    add_db(serve_command);
    ServeArguments serving;
    serve_command
        ->add_option("--listen", serving.listen, "HOST:PORT to listen on (PORT 0 = any free port)")
        ->capture_default_str();
    serve_command
        ->add_option("--tls-cert", serving.options.tls_cert,
                     "PEM certificate chain (enables HTTPS)")
        ->check(CLI::ExistingFile);
    serve_command->add_option("--tls-key", serving.options.tls_key, "PEM private key")
        ->check(CLI::ExistingFile);
    serve_command
        ->add_option("--max-body", serving.options.max_body,
                     "largest request body in bytes, before and after gunzip")
        ->capture_default_str();
    serve_command
        ->add_option(
            "--threads", serving.options.threads,
            "worker threads for database work (twice this many uploads may be held in memory)")
        ->capture_default_str()
        ->check(CLI::Range(1, 1024));
    serve_command
        ->add_option("--timeout", serving.io_timeout_seconds,
                     "seconds for a request's headers to arrive (a body gets this plus its size "
                     "at 16 KiB/s) and that a connection may stall before it is dropped")
        ->capture_default_str()
        ->check(CLI::Range(1, 3600));
    serve_command
        ->add_option("--max-connections", serving.options.max_connections,
                     "open connections at most")
        ->capture_default_str()
        ->check(CLI::Range(16, 100000));
    serve_command
        ->add_option("--max-connections-per-address", serving.options.max_connections_per_address,
                     "open connections from one client address at most")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    serve_command
        ->add_option("--silent-after", serving.silent_after,
                     "GET …/devices calls a kiosk silent after this long without a heartbeat "
                     "(90s, 30m, 2h, 1d)")
        ->capture_default_str();
    serve_command
        ->add_option("--low-disk-mb", serving.low_disk_mb,
                     "GET …/devices calls a kiosk with less free disk (MiB) in its data dir "
                     "attention: low_disk")
        ->capture_default_str()
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 30));
    serve_command
        ->add_option("--session-idle", serving.session_idle,
                     "a console session ends after this long without a request (90s, 30m, 2h)")
        ->capture_default_str();
    serve_command
        ->add_option("--session-max", serving.session_max,
                     "a console session ends this long after sign-in, used or not")
        ->capture_default_str();
    serve_command->add_option("--config", serving.config_dir,
                              "config directory (questionnaire, policy)");

    auto* add_token = app.add_subcommand(
        "add-token", "issue a token; prints it as the last line of stdout (shown only once)");
    add_db(add_token);
    std::string role_text, org, site, device;
    add_token->add_option("--role", role_text, "device | viewer | admin")
        ->required()
        ->check(CLI::IsMember({"device", "viewer", "admin"}));
    add_token->add_option("--org", org, "organisation")->required();
    add_token->add_option("--site", site, "site (device tokens)");
    add_token->add_option("--device", device, "device (device tokens)");
    std::string pubkey;
    add_token->add_option("--pubkey", pubkey,
                          "the device's Ed25519 public key (64 hex, `cxkiosk pubkey`): binds it "
                          "to the device (device tokens; a re-installed kiosk's new key too)");

    auto* enrol_code = app.add_subcommand(
        "enrol-code",
        "issue a one-time code a kiosk trades for its device token (`cxkiosk enrol`); prints it "
        "as the last line of stdout, with a QR code on a terminal");
    add_db(enrol_code);
    std::string ttl = "24h";
    enrol_code->add_option("--org", org, "organisation")->required();
    enrol_code->add_option("--site", site, "site")->required();
    enrol_code->add_option("--device", device, "device")->required();
    enrol_code->add_option("--ttl", ttl, "how long the code works: 30m, 24h, 7d (1m to 7d)")
        ->capture_default_str();

    auto* add_user_command = app.add_subcommand(
        "add-user",
        "add a person who signs in to the console; the password is read from stdin (one line)");
    add_db(add_user_command);
    std::string user_name, user_role;
    add_user_command->add_option("--name", user_name, "sign-in name")->required();
    add_user_command
        ->add_option("--role", user_role,
                     "certifier (every organisation) | viewer (one organisation, read-only)")
        ->required()
        ->check(CLI::IsMember({"certifier", "viewer"}));
    add_user_command->add_option("--org", org, "the organisation a viewer sees");
    auto* passwd_user = app.add_subcommand(
        "passwd-user", "set a console user's password, read from stdin (one line)");
    add_db(passwd_user);
    passwd_user->add_option("--name", user_name, "sign-in name")->required();
    auto* disable_user_command =
        app.add_subcommand("disable-user", "stop a console user signing in; ends their sessions");
    add_db(disable_user_command);
    disable_user_command->add_option("--name", user_name, "sign-in name")->required();
    auto* list_users_command =
        app.add_subcommand("list-users", "list console users (name, role, org, state, changed)");
    add_db(list_users_command);

    auto* revoke = app.add_subcommand(
        "revoke-token", "revoke a token by its id, or by its value read from stdin (one line)");
    add_db(revoke);
    std::optional<std::int64_t> revoke_id;
    revoke->add_option("--id", revoke_id, "token id printed by add-token");
    // Taken only to be refused with a clear message.
    std::string token_argument;
    auto* token_option = revoke->add_option("--token", token_argument)->group("");

    auto* list = app.add_subcommand(
        "list-tokens",
        "list issued tokens (id, role, org, site, device, created), never their values");
    add_db(list);
    std::string list_org;
    bool list_all = false;
    list->add_option("--org", list_org, "only this organisation's tokens");
    list->add_flag("--all", list_all, "revoked tokens too, with the time they were revoked");

    auto* backup = app.add_subcommand(
        "backup", "copy the SQLite database while the server runs (a consistent snapshot)");
    add_db(backup);
    std::string backup_out;
    backup->add_option("--out", backup_out, "the backup file (written completely or not at all)")
        ->required();
    auto* restore = app.add_subcommand(
        "restore", "replace the SQLite database by a backup (stop the server first)");
    add_db(restore);
    std::string restore_from;
    restore->add_option("--from", restore_from, "a file written by cxserver backup")
        ->required()
        ->check(CLI::ExistingFile);

    auto* export_command = app.add_subcommand("export", "write an org's records as JSONL");
    add_db(export_command);
    std::string out_file, from, to, export_site;
    export_command->add_option("--org", org, "organisation")->required();
    export_command->add_option("--out", out_file, "output file")->required();
    export_command->add_option("--site", export_site, "only this site");
    export_command->add_option("--from", from, "submitted_at ≥ (YYYY-MM-DD or UTC timestamp)");
    export_command->add_option("--to", to, "submitted_at < (YYYY-MM-DD or UTC timestamp)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return finish_parse(app, error, out, err);
    }
    if (token_option->count() > 0)
        return console.fail(ExitCode::Usage,
                            "a token is never given on the command line (every user sees it in "
                            "the process list, and it stays in the shell history): pass it on "
                            "stdin, e.g. cxserver revoke-token --db … < token-file, or use --id N");

    if (*backup) return back_up_or_restore(console, db, false, backup_out);
    if (*restore) return back_up_or_restore(console, db, true, restore_from);

    // serve: a connection per worker thread, and one for the event loop's token look-ups.
    auto store =
        open_store(db, *serve_command ? static_cast<std::size_t>(serving.options.threads) + 1 : 1);
    if (!store) return console.fail(ExitCode::Store, store.error().message);

    if (*serve_command) return serve(console, *store.value(), std::move(serving));

    if (*add_token)
        return issue_token(console, *store.value(), {0, *parse_role(role_text), org, site, device},
                           pubkey);

    if (*enrol_code)
        return issue_enrolment_code(console, *store.value(), {0, Role::Device, org, site, device},
                                    ttl);

    if (*revoke) return revoke_token(console, *store.value(), revoke_id);

    if (*add_user_command) return add_user(console, *store.value(), user_name, user_role, org);
    if (*passwd_user) return change_password(console, *store.value(), user_name);
    if (*disable_user_command) return disable_user(console, *store.value(), user_name);
    if (*list_users_command) return list_users(console, *store.value());

    if (*list) return list_tokens(console, *store.value(), list_org, list_all);

    ResponseQuery query{org, {}, {}, {}};
    if (!export_site.empty()) query.site = export_site;
    for (auto [name, given, bound] :
         {std::tuple{"--from", &from, &query.from}, std::tuple{"--to", &to, &query.to}}) {
        if (given->empty()) continue;
        *bound = normalize_time_bound(*given);
        if (!*bound)
            return console.fail(ExitCode::Usage,
                                std::string(name) + " must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
    }
    auto written = export_to_file(*store.value(), query, out_file);
    if (!written)
        return console.fail(
            written.error().kind == ErrorKind::Io ? ExitCode::Output : ExitCode::Store,
            written.error().message);
    err << "cxserver: wrote " << written.value() << " records to " << out_file << std::endl;
    return to_int(ExitCode::Ok);
}

}  // namespace cx
