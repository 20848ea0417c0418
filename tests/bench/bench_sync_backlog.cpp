// Backlog benchmark: a kiosk that was offline has 100,000 responses waiting;
// `sync_once` (the code path of `cxkiosk sync --once`) uploads them to the real
// cxserver over loopback. Target: <= 10 s.
//   bench_sync_backlog [records=100000]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "cx/sync/uploader.hpp"
#include "sync_test_support.hpp"

using namespace cx;

int main(int argc, char** argv) {
    const std::size_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
    constexpr double kTargetSeconds = 10.0;
    test::TempDir dir;
    auto db = dir / "server.db";
    auto token = test::add_token(
        db, {"--role", "device", "--org", "demo-org", "--site", "hq", "--device", "kiosk-01"});
    test::MemoryOutbox outbox(test::make_records("demo-org", "hq", "kiosk-01", 1, count));
    test::ServerProcess server(db);
    ClientConfig config;
    config.server_url = server.url();
    config.token = token;

    auto start = std::chrono::steady_clock::now();
    auto report = sync_once(outbox, config);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    bool ok = report.ok && report.remaining == 0 && report.sent == count;
    std::printf(
        "bench_sync_backlog: %zu responses in %.2f s = %.0f responses/s (target <= %.0f s: %s)%s\n",
        count, seconds, static_cast<double>(count) / seconds, kTargetSeconds,
        seconds <= kTargetSeconds ? "met" : "MISSED", ok ? "" : "  FAILED: upload incomplete");
    if (!ok) std::fprintf(stderr, "%s\n", report.detail.c_str());
    return ok ? 0 : 1;
}
