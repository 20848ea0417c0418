// cxserver: the certifier's collection server and its admin commands.
#include <CLI/CLI.hpp>

#include <pthread.h>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include "cx/config/exit_codes.hpp"
#include "cx/server/api_server.hpp"
#include "cx/server/export_file.hpp"
#include "cx/server/tokens.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;    // the database, the network or a file refused
constexpr int kExitUsage = 2;     // bad command line
constexpr int kExitNotFound = 3;  // revoke-token: no such active token

constexpr const char* kExitCodes =
    "Exit codes: 0 success; 1 failure (listen address, TLS files, output file); "
    "2 bad command line; 3 revoke-token found no active token; 4 the database cannot be opened "
    "or is newer than this cxserver.";

int fail(const std::string& message) {
    std::cerr << "cxserver: " << message << "\n";
    return kExitFailed;
}

// Blocks SIGINT/SIGTERM in every thread and stops the server from a thread
// that waits for them (calling stop() from a signal handler is not safe).
class StopOnSignal {
  public:
    explicit StopOnSignal(cx::ApiServer& server) {
        sigset_t signals;
        sigemptyset(&signals);
        sigaddset(&signals, SIGINT);
        sigaddset(&signals, SIGTERM);
        sigaddset(&signals, SIGUSR2);  // our own wake-up call, see the destructor
        pthread_sigmask(SIG_BLOCK, &signals, nullptr);
        waiter_ = std::thread([&server, signals] {
            int received = 0;
            sigwait(&signals, &received);
            if (received != SIGUSR2) server.stop();
        });
    }
    ~StopOnSignal() {
        // Wakes the waiter when the server stopped on its own.
        pthread_kill(waiter_.native_handle(), SIGUSR2);
        waiter_.join();
    }

  private:
    std::thread waiter_;
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"cxserver — receives kiosk uploads, serves scores and exports (sync/PROTOCOL.md)"};
    app.footer(kExitCodes);
    app.require_subcommand(1);

    std::string db;
    auto add_db = [&](CLI::App* command) {
        command->add_option("--db", db, "database: sqlite:PATH")->required();
        command->footer(kExitCodes);
    };

    auto* serve = app.add_subcommand("serve", "run the HTTP(S) server");
    add_db(serve);
    std::string listen = "127.0.0.1:8443";
    cx::ServerOptions options;
    std::string config_dir;
    serve->add_option("--listen", listen, "HOST:PORT to listen on (PORT 0 = any free port)")
        ->capture_default_str();
    serve->add_option("--tls-cert", options.tls_cert, "PEM certificate chain (enables HTTPS)")
        ->check(CLI::ExistingFile);
    serve->add_option("--tls-key", options.tls_key, "PEM private key")->check(CLI::ExistingFile);
    serve
        ->add_option("--max-body", options.max_body,
                     "largest request body in bytes, before and after gunzip")
        ->capture_default_str();
    serve->add_option("--threads", options.threads, "worker threads")
        ->capture_default_str()
        ->check(CLI::Range(1, 1024));
    int io_timeout_seconds = static_cast<int>(options.io_timeout.count());
    serve
        ->add_option("--timeout", io_timeout_seconds,
                     "seconds a connection may stall on a read or write before it is dropped")
        ->capture_default_str()
        ->check(CLI::Range(1, 3600));
    serve->add_option("--config", config_dir, "config directory (questionnaire, policy)");

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

    auto* revoke = app.add_subcommand("revoke-token", "revoke a token by its id or its value");
    add_db(revoke);
    std::int64_t revoke_id = 0;
    std::string revoke_value;
    auto* by_id = revoke->add_option("--id", revoke_id, "token id printed by add-token");
    auto* by_value = revoke->add_option("--token", revoke_value, "the token itself");
    by_id->excludes(by_value);
    by_value->excludes(by_id);

    auto* export_command = app.add_subcommand("export", "write an org's records as JSONL");
    add_db(export_command);
    std::string out, from, to, export_site;
    export_command->add_option("--org", org, "organisation")->required();
    export_command->add_option("--out", out, "output file")->required();
    export_command->add_option("--site", export_site, "only this site");
    export_command->add_option("--from", from, "submitted_at ≥ (YYYY-MM-DD or UTC timestamp)");
    export_command->add_option("--to", to, "submitted_at < (YYYY-MM-DD or UTC timestamp)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        int code = app.exit(error);
        return code == 0 ? kExitOk : kExitUsage;
    }
    if (*revoke && !*by_id && !*by_value) {
        std::cerr << "cxserver: revoke-token needs --id or --token\n";
        return kExitUsage;
    }

    auto store = cx::open_store(db);
    if (!store) {
        // A database that cannot be opened, is busy, damaged or newer than this cxserver: 4.
        fail(store.error().message);
        const auto code = cx::exit_code_for(store.error().kind);
        return code == cx::ExitCode::Store ? cx::to_int(code) : kExitFailed;
    }

    if (*serve) {
        auto address = cx::parse_listen_address(listen);
        if (!address) {
            std::cerr << "cxserver: " << address.error().message << "\n";
            return kExitUsage;
        }
        std::tie(options.host, options.port) = address.value();
        options.io_timeout = std::chrono::seconds{io_timeout_seconds};
        auto config = cx::load_scoring_config(
            config_dir.empty() ? cx::default_config_dir() : std::filesystem::path(config_dir));
        if (!config) return fail(config.error().message);
        cx::ApiService service(*store.value(), config.value());
        cx::RequestLog log(stderr);
        cx::ApiServer server(service, options, log);
        auto port = server.bind();
        if (!port) return fail(port.error().message);
        StopOnSignal stop_on_signal(server);
        // Tests and supervisors read this line to learn the port.
        std::printf("cxserver: listening on %s://%s:%d\n",
                    options.tls_cert.empty() ? "http" : "https", options.host.c_str(),
                    port.value());
        std::fflush(stdout);
        return server.run() ? kExitOk : fail("the listener stopped with an error");
    }

    if (*add_token) {
        cx::TokenService tokens(*store.value());
        auto issued = tokens.issue({0, *cx::parse_role(role_text), org, site, device});
        if (!issued) {
            std::cerr << "cxserver: " << issued.error().message << "\n";
            return kExitUsage;
        }
        const auto& grant = issued.value().grant;
        std::cout << "id: " << grant.id << "\nrole: " << cx::to_string(grant.role)
                  << "\norg: " << grant.org << "\n";
        if (grant.role == cx::Role::Device)
            std::cout << "site: " << grant.site << "\ndevice: " << grant.device << "\n";
        std::cout << issued.value().token << std::endl;
        return kExitOk;
    }

    if (*revoke) {
        cx::TokenService tokens(*store.value());
        auto revoked = *by_id ? tokens.revoke(revoke_id) : tokens.revoke(revoke_value);
        if (!revoked) return fail(revoked.error().message);
        if (!revoked.value()) {
            std::cerr << "cxserver: no active token matches\n";
            return kExitNotFound;
        }
        std::cout << "revoked\n";
        return kExitOk;
    }

    cx::ResponseQuery query{org, {}, {}, {}};
    if (!export_site.empty()) query.site = export_site;
    for (auto [name, given, bound] :
         {std::tuple{"--from", &from, &query.from}, std::tuple{"--to", &to, &query.to}}) {
        if (given->empty()) continue;
        *bound = cx::normalize_time_bound(*given);
        if (!*bound) {
            std::cerr << "cxserver: " << name << " must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ\n";
            return kExitUsage;
        }
    }
    auto written = cx::export_to_file(*store.value(), query, out);
    if (!written) return fail(written.error().message);
    std::cerr << "cxserver: wrote " << written.value() << " records to " << out << "\n";
    return kExitOk;
}
