// Lossy network (issue 12): four kiosks — each its real SQLite store, sealing
// key and uploader — take responses and sync through a fault proxy that
// drops, delays, resets, truncates, corrupts the gzip body of, or loses the
// reply to a random share of their requests (CX_LOSSY_FAULT_RATE, default 0.4).
// When the network heals, the server holds exactly the kiosks' records: none
// lost, none twice, none refused. Runs on the backend of CX_TEST_BACKEND.
//   CX_LOSSY_RESPONSES  responses per kiosk (default 150; run-long.sh: 2000)
#include <catch2/catch.hpp>

#include <cstdio>

#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "cx/config/config_files.hpp"
#include "cx/kiosk/recovery.hpp"
#include "cx/kiosk/store.hpp"
#include "cx/server/server_store.hpp"
#include "cx/sync/uploader.hpp"
#include "fault_proxy.hpp"
#include "sync_test_support.hpp"

using namespace cx;
using namespace std::chrono_literals;

namespace {

constexpr int kKiosks = 4;

double environment_number(const char* name, double fallback) {
    const char* text = std::getenv(name);
    return text && std::atof(text) > 0 ? std::atof(text) : fallback;
}

std::string kiosk_name(int kiosk) {
    return "kiosk-" + std::to_string(kiosk + 1);
}

struct Kiosk {
    test::TempDir data_dir;
    std::unique_ptr<kiosk::Store> store;
    std::string token;
};

// The ids a kiosk's store holds, each with its upload state.
std::map<std::string, kiosk::UploadState> kiosk_records(kiosk::Store& store) {
    std::map<std::string, kiosk::UploadState> records;
    std::int64_t cursor = 0;
    while (true) {
        auto page = store.next_records(cursor, 1000);
        REQUIRE(page.ok());
        if (page.value().empty()) return records;
        for (const auto& record : page.value())
            records[test::id_and_device(record.json).first] = record.state;
    }
}

}  // namespace

TEST_CASE("kiosks syncing through a lossy network: after it heals the server holds their records") {
    const auto fault_rate = environment_number("CX_LOSSY_FAULT_RATE", 0.4);
    const auto responses = static_cast<int>(environment_number("CX_LOSSY_RESPONSES", 150));
    test::TempDir dir;
    const auto db = test::test_db_url(dir);
    const auto config = load_scoring_config(CX_TEST_CONFIG_DIR).value();
    std::vector<Kiosk> kiosks(kKiosks);
    for (int i = 0; i < kKiosks; ++i) {
        auto& kiosk = kiosks[static_cast<std::size_t>(i)];
        auto opened = kiosk::open_data_dir_store(kiosk.data_dir.path());
        REQUIRE(opened.ok());
        kiosk.store = std::move(opened.value().store);
        // Each kiosk's key bound with its token, as enrolment does.
        kiosk.token = test::add_token(
            db, {"--role", "device", "--org", "demo-org", "--site", "hq", "--device", kiosk_name(i),
                 "--pubkey", kiosk.store->signing_key().public_key().hex()});
    }
    test::ServerProcess server(db);
    test::FaultProxy proxy(server.port(), fault_rate, 20261130);

    std::atomic<int> kiosks_done_taking = 0;
    std::atomic<bool> healed = false, failed = false;
    std::vector<std::jthread> threads;
    for (int i = 0; i < kKiosks; ++i)
        threads.emplace_back([&, i] {
            auto& kiosk = kiosks[static_cast<std::size_t>(i)];
            ClientConfig client;
            client.server_url = "http://127.0.0.1:" + std::to_string(proxy.port());
            client.token = kiosk.token;
            client.connect_timeout = 2s;
            client.total_timeout = 10s;
            client.retry.base = 20ms;
            client.retry.cap = 200ms;
            client.retry.max_attempts = 3;
            const kiosk::StoreIdentity identity{kiosk_name(i), "demo-org", "hq",
                                                config.questionnaire.id};
            std::mt19937 random(static_cast<std::uint32_t>(i + 1));
            std::uniform_int_distribution<int> burst(1, 6), level(1, 5);
            const auto start = std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + 9h;
            int taken = 0;
            // Customers answer while the network misbehaves; each burst is followed by a sync.
            while (taken < responses && !failed) {
                for (int n = burst(random); n > 0 && taken < responses; --n, ++taken) {
                    kiosk::Submission submission;
                    submission.started_wall = start + std::chrono::minutes(taken);
                    submission.duration_ms = 30'000;
                    submission.answers = {{"1.1", level(random)}, {"7", level(random)}};
                    if (!kiosk.store->append(submission, identity, config.policy,
                                             submission.started_wall + 30s))
                        failed = true;
                }
                sync_once(*kiosk.store, client);
            }
            ++kiosks_done_taking;
            // Then until the network has healed and nothing waits.
            const auto deadline = std::chrono::steady_clock::now() + 180s;
            while (!failed && std::chrono::steady_clock::now() < deadline) {
                auto waiting = kiosk.store->pending_count();
                if (!waiting) failed = true;
                if (healed && waiting && waiting.value() == 0) break;
                if (!sync_once(*kiosk.store, client).ok) std::this_thread::sleep_for(50ms);
            }
        });
    while (kiosks_done_taking < kKiosks) std::this_thread::sleep_for(20ms);
    const auto lossy = proxy.counts();
    proxy.heal();
    healed = true;
    threads.clear();
    REQUIRE_FALSE(failed);

    std::size_t requests = 0;
    for (auto count : lossy) requests += count;
    const auto untouched = lossy[static_cast<std::size_t>(test::Fault::None)];
    INFO("requests in the lossy phase: " << requests << ", untouched: " << untouched);
    for (std::size_t kind = 1; kind < test::kFaultKinds; ++kind) {
        INFO(test::to_string(static_cast<test::Fault>(kind)) << ": " << lossy[kind]);
        CHECK(lossy[kind] > 0);  // every kind of fault happened
    }
    CHECK(static_cast<double>(requests - untouched) >= 0.3 * static_cast<double>(requests));

    auto stored = test::stored_ids(db);
    CHECK(stored.unique() == stored.lines);  // no record twice
    for (int i = 0; i < kKiosks; ++i) {
        INFO(kiosk_name(i));
        auto held = kiosk_records(*kiosks[static_cast<std::size_t>(i)].store);
        CHECK(held.size() == static_cast<std::size_t>(responses));
        std::set<std::string> ids;
        for (const auto& [id, state] : held) {
            ids.insert(id);
            CHECK(state == kiosk::UploadState::Sent);  // nothing refused, nothing waiting
        }
        CHECK(stored.by_device[kiosk_name(i)] == ids);
    }
    // The figures of the run (tests/reliability/README.md keeps those of the long one).
    std::string faults;
    for (std::size_t kind = 1; kind < test::kFaultKinds; ++kind)
        faults += std::string(faults.empty() ? "" : ", ") +
                  std::string(test::to_string(static_cast<test::Fault>(kind))) + " " +
                  std::to_string(lossy[kind]);
    std::printf(
        "lossy network (%s): %d kiosks x %d responses; %zu requests while lossy, %zu faulted "
        "(%s); after healing %zu stored of %d, %zu duplicates\n",
        std::getenv("CX_TEST_BACKEND") ? std::getenv("CX_TEST_BACKEND") : "sqlite", kKiosks,
        responses, requests, requests - untouched, faults.c_str(), stored.unique(),
        kKiosks * responses, stored.lines - stored.unique());
}
