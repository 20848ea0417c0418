// Console benchmark (README "The certifier's console"): fills a store (SQLite, or a
// real PostgreSQL 15 the benchmark starts itself) with N of gen_responses' records
// in one org (4 kiosks on 2 sites; 1,000,000 span about three years) through the
// store's ingest with the server's day-state folder; then, in the same run, times the
// organisation page for a period holding every record — rendered in process
// (OrgPages) and over HTTP by the real cxserver with a signed-in session — against
// the score endpoint for the same period (ApiService::score; GET …/score), and
// checks the target: the page's server time ≤ 1 s.
//   bench_console [N=1000000] [sqlite|postgresql]
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <regex>

#include "bench_fill.hpp"
#include "cx/server/api_service.hpp"
#include "cx/server/org_pages.hpp"
#include "sync_test_support.hpp"

using namespace cx;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kTargetSeconds = 1.0;  // issue 13: the organisation page in ≤ 1 s
constexpr const char* kOrg = "bench-org";
constexpr const char* kFrom = "2026-11-29";  // gen_responses' first day
constexpr const char* kTo = "2030-01-01";    // after its last at 1,000,000
constexpr const char* kPassword = "benchmark password";

// The best of three seconds: the machine is shared, and the other runs only add noise.
template <class Run>
double best_of_three(Run run) {
    double best = 1e300;
    for (int i = 0; i < 3; ++i) {
        auto start = Clock::now();
        if (!run()) return -1;
        best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
    }
    return best;
}

void print(const char* name, double page, double baseline, const char* baseline_name) {
    std::printf("  %-28s %7.3f s   %-22s %7.3f s   ratio %5.1f   (target page <= %.1f s: %s)\n",
                name, page, baseline_name, baseline, page / baseline, kTargetSeconds,
                page >= 0 && page <= kTargetSeconds ? "met" : "MISSED");
    std::fflush(stdout);
}

// Signs in as the benchmark's certifier: the session cookie.
std::string sign_in(httplib::Client& http) {
    auto form = http.Get("/");
    if (!form || form->status != 200) return {};
    std::smatch found;
    static const std::regex field(R"re(name="csrf" value="([0-9a-f]{64})")re");
    if (!std::regex_search(form->body, found, field)) return {};
    const std::string csrf = found[1];
    auto signed_in = http.Post("/signin", {{"Cookie", "cx_signin=" + csrf}},
                               "name=bench&password=benchmark%20password&csrf=" + csrf,
                               "application/x-www-form-urlencoded");
    if (!signed_in || signed_in->status != 303) return {};
    const auto cookie = signed_in->get_header_value("Set-Cookie");
    return cookie.substr(0, cookie.find(';'));
}

}  // namespace

int main(int argc, char** argv) {
    auto started = bench::filled_store(argc, argv, "bench_console", kOrg);
    if (auto* failed = std::get_if<int>(&started)) return *failed;
    auto& filled = *std::get<std::unique_ptr<bench::FilledStore>>(started);
    const auto& db = filled.db;
    auto& store = filled.store;
    const auto& config = filled.config;
    ApiService service(*store, config);
    OrgPages pages(service);
    const QueryParams params{kFrom, kTo, std::nullopt};
    const auto period = parse_period(
        params, std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
    const auto query = period_query(kOrg, *period);
    auto scored = service.score(query);
    std::printf("  period %s – %s: %zu records, %zu weeks in the trend\n", kFrom, kTo,
                scored.records,
                static_cast<std::size_t>((period->to - period->from).count() + 6) / 7);
    const std::optional<LiveSession> no_session;
    std::size_t page_bytes = 0;
    const auto in_process_page = best_of_three([&] {
        auto html =
            pages.organisation({Lang::Zh, "/console/orgs/bench-org", no_session}, kOrg, *period);
        page_bytes = html ? html.value().size() : 0;
        return html.ok();
    });
    const auto in_process_score = best_of_three([&] { return service.score(query).status == 200; });
    print("page, in process", in_process_page, in_process_score, "score, in process");
    std::printf("  (page %zu bytes)\n", page_bytes);
    // What the page is made of besides the period's score: the devices' fleet status and
    // record counts (GET …/devices), and for comparison the integrity endpoint (which
    // walks every record; the page audits the day states instead).
    const auto devices = best_of_three([&] { return service.devices(kOrg).status == 200; });
    const auto whole_integrity =
        best_of_three([&] { return service.integrity(kOrg).status == 200; });
    std::printf("  parts, in process: devices %.3f s, (integrity endpoint %.3f s, not used)\n",
                devices, whole_integrity);

    // Over HTTP: the real cxserver, a certifier's session, the score with a viewer token.
    auto user = test::run_command(
        {CXSERVER_PATH, "add-user", "--db", db, "--name", "bench", "--role", "certifier"},
        std::string(kPassword) + "\n");
    if (user.exit_code != 0) return 1;
    auto viewer = test::add_token(db, {"--role", "viewer", "--org", kOrg});
    store.reset();
    test::ServerProcess server(db);
    httplib::Client http("127.0.0.1", server.port());
    http.set_read_timeout(600);
    const auto session = sign_in(http);
    if (session.empty()) {
        std::fprintf(stderr, "signing in failed\n");
        return 1;
    }
    const std::string period_query_text = std::string("?from=") + kFrom + "&to=" + kTo;
    const auto http_page = best_of_three([&] {
        auto reply = http.Get("/console/orgs/bench-org" + period_query_text, {{"Cookie", session}});
        return reply && reply->status == 200;
    });
    const auto http_score = best_of_three([&] {
        auto reply = http.Get("/api/v1/orgs/bench-org/score" + period_query_text,
                              {{"Authorization", "Bearer " + viewer}});
        return reply && reply->status == 200;
    });
    print("page, over HTTP", http_page, http_score, "GET …/score");
    const auto list = best_of_three([&] {
        auto reply = http.Get("/console" + period_query_text, {{"Cookie", session}});
        return reply && reply->status == 200;
    });
    print("organisations, over HTTP", list, http_score, "GET …/score");
    std::printf("  load after %s\n", bench::load_average().c_str());
    const bool met = in_process_page >= 0 && in_process_page <= kTargetSeconds && http_page >= 0 &&
                     http_page <= kTargetSeconds;
    return met ? 0 : 1;
}
