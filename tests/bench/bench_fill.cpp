#include "bench_fill.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "cx/server/day_state.hpp"
#include "test_postgres_server.hpp"

namespace cx::bench {

namespace {

bool fill_generated(ServerStore& store, const ScoringConfig& config, std::size_t count,
                    const std::string& org) {
    auto command =
        std::string(GEN_RESPONSES_PATH) + " " + std::to_string(count) + " 2026 " + org + " 2";
    FILE* generated = popen(command.c_str(), "r");
    if (!generated) return false;
    ResponseParser parser({&config.questionnaire, 1});
    std::vector<StoredRecord> batch;
    std::vector<Response> parsed;
    Response record;
    char* line = nullptr;
    std::size_t capacity = 0;
    auto flush = [&] {
        ScoringDayFolder days(config, std::move(parsed));
        auto stored = store.ingest(batch, "2026-11-30T00:00:00Z", days);
        batch.clear();
        parsed = {};
        return stored.ok();
    };
    bool ok = true;
    for (ssize_t size; ok && (size = getline(&line, &capacity, generated)) > 0;) {
        if (!parser.parse(std::string_view(line, static_cast<std::size_t>(size) - 1), record)) {
            ok = false;
            break;
        }
        batch.push_back(stored_record(record));
        parsed.push_back(record);
        if (batch.size() == kFillBatch) ok = flush();
    }
    if (ok && !batch.empty()) ok = flush();
    std::free(line);
    return pclose(generated) == 0 && ok;
}

}  // namespace

std::variant<int, std::unique_ptr<FilledStore>> filled_store(int argc, char** argv,
                                                             const std::string& program,
                                                             const std::string& org) {
    auto filled = std::make_unique<FilledStore>();
    filled->count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
    filled->backend = argc > 2 ? argv[2] : "sqlite";
    if (filled->backend != "sqlite" && filled->backend != "postgresql") {
        std::fprintf(stderr, "usage: %s [N] [sqlite|postgresql]\n", program.c_str());
        return 2;
    }
    auto config = load_scoring_config(CX_TEST_CONFIG_DIR);
    if (!config) {
        std::fprintf(stderr, "%s\n", config.error().message.c_str());
        return 3;
    }
    filled->config = std::move(config.value());
    filled->db = filled->backend == "postgresql" ? test::TestPostgres::shared().fresh_database()
                                                 : "sqlite:" + (filled->dir / "server.db").string();
    auto store = open_store(filled->db);
    if (!store) {
        std::fprintf(stderr, "%s\n", store.error().message.c_str());
        return 4;
    }
    filled->store = std::move(store.value());
    std::printf("%s (%s): %zu responses in %s (gen_responses, 4 kiosks on 2 sites), load %s\n",
                program.c_str(), filled->backend.c_str(), filled->count, org.c_str(),
                load_average().c_str());
    const auto start = std::chrono::steady_clock::now();
    if (!fill_generated(*filled->store, filled->config, filled->count, org)) {
        std::fprintf(stderr, "filling the store failed\n");
        return 1;
    }
    std::printf("  fill (store ingest with day states, %zu-record batches)  %.1f s\n", kFillBatch,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    std::fflush(stdout);
    return filled;
}

std::string load_average() {
    std::ifstream file("/proc/loadavg");
    std::string one, five, fifteen;
    file >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

}  // namespace cx::bench
