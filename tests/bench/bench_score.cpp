// Score benchmark (README "Scores that do not slow down"): fills a store (SQLite,
// or a real PostgreSQL 15 the benchmark starts itself)
// with N of gen_responses' records (4 kiosks on 2 sites, ~3 years at 1M) through
// the store's ingest with the server's day-state folder, in big batches; then, in
// the same run, times the score endpoint's path (ApiService::score) for the whole
// org, one site and one week (mid-day bounds), and `cxscore score` on the export of
// the same records (without signature checks: the server checked them at ingest),
// checks the report equals cxscore's with them, and prints the ratios
// against the target (≤ 0.5). Last, the real cxserver streams the export of a
// tenth of the records and of all of them: its peak RSS must not grow with them.
//   bench_score [N=1000000] [sqlite|postgresql]
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "bench_fill.hpp"
#include "cx/server/api_service.hpp"
#include "sync_test_support.hpp"

using namespace cx;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kTargetRatio = 0.5;  // issue 10: score ≤ 0.5 × cxscore on the export
double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// VmHWM of process `pid`, in MiB.
double peak_rss_mib(pid_t pid) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(file, line);)
        if (line.starts_with("VmHWM:")) return std::atof(line.c_str() + 6) / 1024.0;
    return 0;
}

struct Timed {
    double seconds = 0;
    std::string report;
};

// The best of three: the machine is shared, and the other runs only add noise.
template <class Run>
Timed best_of_three(Run run) {
    Timed best{1e300, {}};
    for (int i = 0; i < 3; ++i) {
        auto start = Clock::now();
        auto report = run();
        auto seconds = seconds_since(start);
        if (seconds < best.seconds) best = {seconds, std::move(report)};
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    auto started = bench::filled_store(argc, argv, "bench_score", "bench-org");
    if (auto* failed = std::get_if<int>(&started)) return *failed;
    auto& filled = *std::get<std::unique_ptr<bench::FilledStore>>(started);
    const auto& db = filled.db;
    auto& dir = filled.dir;
    auto& store = filled.store;
    const auto& config = filled.config;

    const auto pubkeys = dir / "pubkeys.json";
    auto keys = test::run_command({GEN_RESPONSES_PATH, "--pubkeys"});
    std::ofstream(pubkeys) << keys.out;
    ApiService service(*store, config);
    struct Case {
        const char* name;
        ResponseQuery query;
    };
    const Case cases[] = {
        {"whole org", {"bench-org", {}, {}, {}}},
        {"site", {"bench-org", std::string("site-2"), {}, {}}},
        {"one week",
         {"bench-org",
          {},
          std::string("2027-06-01T12:00:00Z"),
          std::string("2027-06-08T12:00:00Z")}},
    };
    bool all_met = true;
    for (const auto& [name, query] : cases) {
        const auto file = dir / "export.jsonl";
        {
            std::ofstream out(file, std::ios::binary);
            std::size_t records = 0;
            auto walked = for_each_record(*store, query, [&](std::string_view line) {
                out << line << '\n';
                ++records;
            });
            if (!walked) return 4;
            std::printf("  %-10s %8zu records\n", name, records);
        }
        auto server = best_of_three([&] { return service.score(query).body; });
        auto cxscore_run = [&](bool check_signatures) {
            std::vector<std::string> command{CXSCORE_PATH,  "score",    "--responses",
                                             file.string(), "--config", CX_TEST_CONFIG_DIR};
            if (check_signatures) {
                command.push_back("--pubkeys");
                command.push_back(pubkeys.string());
            }
            auto start = Clock::now();
            auto report = test::run_command(command).out;
            return Timed{seconds_since(start), std::move(report)};
        };
        // The baseline is cxscore without signature checks (the 1.5 s): the
        // server checked them at ingest. Once with them, for the identical report.
        auto cxscore = best_of_three([&] { return cxscore_run(false).report; });
        auto checked = cxscore_run(true);
        const double ratio = server.seconds / cxscore.seconds;
        const bool same = server.report == checked.report;
        all_met = all_met && same && ratio <= kTargetRatio;
        std::printf(
            "    score endpoint %7.3f s   cxscore score %7.3f s (%.1f s with --pubkeys)"
            "   ratio %.3f   (target <= %.1f: %s)   reports %s\n",
            server.seconds, cxscore.seconds, checked.seconds, ratio, kTargetRatio,
            ratio <= kTargetRatio ? "met" : "MISSED", same ? "identical" : "DIFFER");
        std::fflush(stdout);
    }

    // The export endpoint streams pages: its peak RSS after a tenth of the records and
    // after all of them.
    auto viewer = test::add_token(db, {"--role", "viewer", "--org", "bench-org"});
    store.reset();
    test::ServerProcess server(db);
    httplib::Client http("127.0.0.1", server.port());
    http.set_read_timeout(600);
    const double baseline = peak_rss_mib(server.pid());
    std::printf("  export endpoint peak RSS (VmHWM): at start %.1f MiB\n", baseline);
    for (auto [label, query] :
         {std::pair{"a tenth (to=2027-03-15)", "?to=2027-03-15"}, std::pair{"all", ""}}) {
        std::size_t bytes = 0;
        auto reply =
            http.Get("/api/v1/orgs/bench-org/responses.jsonl" + std::string(query),
                     {{"Authorization", "Bearer " + viewer}}, [&](const char*, std::size_t length) {
                         bytes += length;
                         return true;
                     });
        if (!reply || reply->status != 200) return 1;
        std::printf("    after %-24s %8.1f MiB exported, peak RSS %.1f MiB\n", label,
                    static_cast<double>(bytes) / (1024 * 1024), peak_rss_mib(server.pid()));
    }
    std::printf("  load after %s\n", bench::load_average().c_str());
    return all_met ? 0 : 1;
}
