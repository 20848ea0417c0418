#pragma once
// The start the server benchmarks share: `PROGRAM [N=1000000] [sqlite|postgresql]`, a
// fresh store (SQLite in a temporary folder, or a database of a real PostgreSQL 15
// the benchmark starts itself) filled with N of gen_responses' records in one org
// (4 kiosks on 2 sites) through the store's ingest with the server's day-state
// folder, in big batches, as uploads would store them.
#include <cstddef>
#include <memory>
#include <string>
#include <variant>

#include "cx/config/config_files.hpp"
#include "cx/server/server_store.hpp"
#include "sync_test_support.hpp"

namespace cx::bench {

inline constexpr std::size_t kFillBatch = 5000;

struct FilledStore {
    std::size_t count = 0;
    std::string backend;  // "sqlite" or "postgresql"
    test::TempDir dir;
    std::string db;  // its --db URL
    ScoringConfig config;
    std::unique_ptr<ServerStore> store;
};

// The filled store, or the exit code after saying on stderr what failed (2: usage).
std::variant<int, std::unique_ptr<FilledStore>> filled_store(int argc, char** argv,
                                                             const std::string& program,
                                                             const std::string& org);

// "1.2 0.9 0.8" of /proc/loadavg: how busy the shared machine was.
std::string load_average();

}  // namespace cx::bench
