// The libcurl client, sync_once and the UploadWorker against the real cxserver:
// round trip, lost replies, a server killed mid-upload, refusals shown to staff.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "cx/sync/uploader.hpp"
#include "fault_proxy.hpp"
#include "sync_test_support.hpp"

using namespace cx;
using namespace std::chrono_literals;

namespace {

std::string as_jsonl(const std::vector<PendingRecord>& records) {
    std::string out;
    for (const auto& record : records) out.append(record.json).push_back('\n');
    return out;
}

// Waits (bounded) until the outbox is empty.
bool drained(test::MemoryOutbox& outbox, std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (outbox.waiting() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    return outbox.waiting() == 0;
}

}  // namespace

TEST_CASE_METHOD(test::ServerFixture, "round trip: outbox → server → export is byte-identical") {
    auto records = test::make_records("demo-org", "hq", "kiosk-01", 1, 1234);
    test::MemoryOutbox outbox(records);
    auto report = sync_once(outbox, client_config());
    CHECK(report.ok);
    CHECK(report.sent == 1234);
    CHECK(report.remaining == 0);
    CHECK(outbox.mark_sent_calls() == 3);  // batches of ≤ 500
    CHECK(outbox.reports().size() == 1);
    CHECK(export_with_cli() == as_jsonl(records));

    // Nothing left: another run succeeds without sending.
    auto idle = sync_once(outbox, client_config());
    CHECK(idle.ok);
    CHECK(idle.sent == 0);
}

// Waits (bounded) until the outbox holds `count` reports.
bool reported(test::MemoryOutbox& outbox, std::size_t count, std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (outbox.reports().size() < count && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    return outbox.reports().size() >= count;
}

TEST_CASE_METHOD(
    test::ServerFixture,
    "a record refused on its own is marked refused with the reason, the rest is sent") {
    auto records = test::make_records("demo-org", "hq", "kiosk-01", 1, 3);
    auto foreign = test::make_records("demo-org", "hq", "kiosk-02", 4, 1)[0];  // not this token's
    records.insert(records.begin() + 1, foreign);
    test::MemoryOutbox outbox(records);
    auto report = sync_once(outbox, client_config());
    CHECK(report.ok);
    CHECK(report.http_status == 200);
    CHECK(report.sent == 3);
    CHECK(report.refused == 1);
    CHECK(report.remaining == 0);
    CHECK_FALSE(report.store_failed);
    auto refused = outbox.refused();
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].index == 1);
    CHECK(refused[0].id == foreign.id);
    CHECK(refused[0].code == "forbidden");
    CHECK_THAT(refused[0].detail, Catch::Contains("kiosk-02"));
    records.erase(records.begin() + 1);
    CHECK(export_with_cli() == as_jsonl(records));

    // Refused records wait for staff: a later pass does not send them again …
    auto idle = sync_once(outbox, client_config());
    CHECK(idle.sent + idle.refused == 0);
    // … until staff ask, and then only them.
    auto retried = sync_once(outbox, client_config(), SyncOptions{.retry_refused = true});
    CHECK(retried.ok);
    CHECK(retried.sent == 0);
    CHECK(retried.refused == 1);
    CHECK(outbox.refused().size() == 1);
}

TEST_CASE_METHOD(test::ServerFixture,
                 "a backlog with a refused record in the middle is uploaded except that record") {
    auto records = test::make_records("demo-org", "hq", "kiosk-01", 1, 1300);
    auto& bad = records[700];  // in the second batch
    bad.json.replace(bad.json.find("\"flags\":[]"), 10, "\"flags\":[\"vip\"]");
    test::MemoryOutbox outbox(records);
    {
        UploadWorker worker(outbox, client_config(), 1h);
        REQUIRE(drained(outbox, 60s));
        REQUIRE(reported(outbox, 1, 10s));
    }
    auto refused = outbox.refused();
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].id == bad.id);
    CHECK(refused[0].code == "invalid_record");
    CHECK_THAT(refused[0].detail, Catch::Contains("unknown flag"));
    auto reports = outbox.reports();
    CHECK(reports.back().ok);
    CHECK(reports.back().sent == 1299);
    CHECK(reports.back().refused == 1);
    records.erase(records.begin() + 700);
    CHECK(export_with_cli() == as_jsonl(records));
}

TEST_CASE_METHOD(test::ServerFixture,
                 "the worker's retry_refused re-sends the refused records at once") {
    auto records = test::make_records("demo-org", "hq", "kiosk-01", 1, 2);
    auto& bad = records[1];
    bad.json.replace(bad.json.find("\"flags\":[]"), 10, "\"flags\":[\"vip\"]");
    test::MemoryOutbox outbox(records);
    UploadWorker worker(outbox, client_config(), 1h);
    REQUIRE(reported(outbox, 1, 10s));
    INFO(outbox.reports()[0].detail);
    CHECK(outbox.reports()[0].refused == 1);
    auto started = std::chrono::steady_clock::now();
    worker.retry_refused();
    CHECK(std::chrono::steady_clock::now() - started < 50ms);  // never blocks
    REQUIRE(reported(outbox, 2, 10s));
    auto again = outbox.reports()[1];
    CHECK(again.ok);
    CHECK(again.sent == 0);
    CHECK(again.refused == 1);  // the same record, refused again; nothing else was sent
}

TEST_CASE_METHOD(test::ServerFixture,
                 "an outbox that fails ends the pass as a store failure, never as success") {
    test::MemoryOutbox outbox(test::make_records("demo-org", "hq", "kiosk-01", 1, 3));
    outbox.fail_with("disk I/O error");
    auto report = sync_once(outbox, client_config());
    CHECK_FALSE(report.ok);
    CHECK(report.store_failed);
    CHECK_THAT(report.detail, Catch::Contains("disk I/O error"));
    CHECK(export_with_cli().empty());

    auto requeue = sync_once(outbox, client_config(), SyncOptions{.retry_refused = true});
    CHECK(requeue.store_failed);

    UploadWorker worker(outbox, client_config(), 1h);
    REQUIRE(reported(outbox, 3, 10s));
    CHECK(outbox.reports()[2].store_failed);
    CHECK_FALSE(outbox.reports()[2].ok);
}

TEST_CASE_METHOD(test::ServerFixture,
                 "a token refusal holds everything back, the worker reports instead of looping") {
    test::MemoryOutbox outbox(test::make_records("demo-org", "hq", "kiosk-01", 1, 4));
    auto config = client_config();
    config.token = std::string(64, '0');
    {
        UploadWorker worker(outbox, config, 1h);
        REQUIRE(reported(outbox, 1, 10s));
        worker.nudge();  // ignored until the next interval
        std::this_thread::sleep_for(200ms);
        REQUIRE(outbox.reports().size() == 1);
        worker.sync_now();  // staff asked: one more pass now
        REQUIRE(reported(outbox, 2, 10s));
    }
    auto reports = outbox.reports();
    REQUIRE(reports.size() == 2);
    CHECK(reports.back().http_status == 401);
    CHECK_THAT(reports.back().detail, Catch::Contains("unauthorized"));
    CHECK(reports.back().remaining == 4);
    CHECK(outbox.mark_sent_calls() == 0);
    CHECK(outbox.refused().empty());
}

TEST_CASE_METHOD(test::ServerFixture,
                 "a wrong token is reported as 401 and nothing is marked sent") {
    test::MemoryOutbox outbox(test::make_records("demo-org", "hq", "kiosk-01", 1, 2));
    auto config = client_config();
    config.token = std::string(64, '0');
    auto report = sync_once(outbox, config);
    CHECK(report.http_status == 401);
    CHECK(report.remaining == 2);
}

TEST_CASE_METHOD(test::ServerFixture,
                 "the worker uploads at start and after a nudge, never blocking") {
    test::MemoryOutbox outbox(test::make_records("demo-org", "hq", "kiosk-01", 1, 700));
    UploadWorker worker(outbox, client_config(), 1h);
    REQUIRE(drained(outbox, 30s));
    CHECK(export_with_cli().size() > 0);
    auto started = std::chrono::steady_clock::now();
    worker.nudge();
    CHECK(std::chrono::steady_clock::now() - started < 50ms);
}

TEST_CASE_METHOD(test::ServerFixture, "the worker also uploads on its interval without a nudge") {
    auto records = test::make_records("demo-org", "hq", "kiosk-01", 1, 30);
    test::MemoryOutbox outbox({records.begin(), records.begin() + 10});
    UploadWorker worker(outbox, client_config(), 300ms);
    REQUIRE(drained(outbox, 10s));
    outbox.add({records.begin() + 10, records.end()});  // no nudge
    REQUIRE(drained(outbox, 10s));
    CHECK(export_with_cli() == as_jsonl(records));
}

TEST_CASE_METHOD(test::ServerFixture, "offline: sync_once fails fast and keeps everything") {
    test::MemoryOutbox outbox(test::make_records("demo-org", "hq", "kiosk-01", 1, 10));
    auto config = client_config();
    server->stop();
    auto report = sync_once(outbox, config);
    CHECK_FALSE(report.ok);
    CHECK(report.http_status == 0);
    CHECK(report.remaining == 10);
    CHECK_FALSE(report.detail.empty());
}

TEST_CASE_METHOD(
    test::ServerFixture,
    "replies lost after the server committed: the worker re-sends, nothing lost or doubled") {
    auto records = test::make_records("demo-org", "hq", "kiosk-01", 1, 1300);
    test::MemoryOutbox outbox(records);
    test::FaultProxy proxy(server->port(), 0.0, 1);
    proxy.fail_next(test::Fault::LoseReply, 2);
    auto config = client_config();
    config.server_url = "http://127.0.0.1:" + std::to_string(proxy.port());
    {
        UploadWorker worker(outbox, config, 1h);
        REQUIRE(drained(outbox, 60s));
    }
    CHECK(proxy.counts()[static_cast<std::size_t>(test::Fault::LoseReply)] == 2);
    CHECK(export_with_cli() == as_jsonl(records));
    auto reports = outbox.reports();
    REQUIRE(reports.size() >= 3);  // two failed attempts, then the successful pass
    CHECK_FALSE(reports[0].ok);
    CHECK(reports.back().ok);
    CHECK(reports.back().remaining == 0);
}

TEST_CASE_METHOD(test::ServerFixture,
                 "the server killed mid-upload and restarted: no loss, no duplicates") {
    auto records = test::make_records("demo-org", "hq", "kiosk-01", 1, 12000);
    test::MemoryOutbox outbox(records);
    auto config = client_config();
    int port = server->port();
    SyncReport interrupted;
    std::thread upload([&] { interrupted = sync_once(outbox, config); });
    while (outbox.waiting() > 11000 && outbox.waiting() > 0) std::this_thread::sleep_for(1ms);
    server->kill_hard();
    upload.join();
    INFO("the upload finished before the kill; the test needs a larger backlog");
    REQUIRE_FALSE(interrupted.ok);
    CHECK(interrupted.remaining > 0);

    server = std::make_unique<test::ServerProcess>(db, std::vector<std::string>{}, port);
    auto resumed = sync_once(outbox, config);
    CHECK(resumed.ok);
    CHECK(resumed.remaining == 0);
    CHECK(export_with_cli() == as_jsonl(records));
}

namespace {

// A client that opens a connection, starts a request and then stalls.
class StalledClient {
  public:
    explicit StalledClient(int port) {
        fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<uint16_t>(port));
        REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        std::string start =
            "POST /api/v1/responses HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{";
        REQUIRE(send(fd_, start.data(), start.size(), MSG_NOSIGNAL) ==
                static_cast<ssize_t>(start.size()));
    }
    ~StalledClient() { close(fd_); }
    // True when the server hung up within `limit`.
    bool dropped_within(std::chrono::milliseconds limit) {
        pollfd fd{fd_, POLLIN, 0};
        if (poll(&fd, 1, static_cast<int>(limit.count())) <= 0) return false;
        char buffer[512];
        while (true) {
            ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) return true;  // closed (any error reply before it is read and ignored)
        }
    }

  private:
    int fd_ = -1;
};

struct FewWorkers : test::ServerFixture {
    FewWorkers() : test::ServerFixture({"--threads", "4", "--timeout", "5"}) {}
};

}  // namespace

TEST_CASE_METHOD(FewWorkers,
                 "stalled clients neither block other uploads nor hold a worker forever") {
    std::vector<std::unique_ptr<StalledClient>> stalled;
    for (int i = 0; i < 3; ++i) stalled.push_back(std::make_unique<StalledClient>(server->port()));
    test::MemoryOutbox outbox(test::make_records("demo-org", "hq", "kiosk-01", 1, 600));
    auto started = std::chrono::steady_clock::now();
    auto report = sync_once(outbox, client_config());
    CHECK(report.ok);
    CHECK(std::chrono::steady_clock::now() - started < 4s);  // did not wait out the stalls
    for (auto& client : stalled) CHECK(client->dropped_within(9s));
}

TEST_CASE("stopping the worker abandons an upload stuck on a silent server at once") {
    // A socket that is listening but never answers: connect succeeds, no reply comes.
    int silent = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    REQUIRE(bind(silent, reinterpret_cast<sockaddr*>(&address), size) == 0);
    REQUIRE(listen(silent, 8) == 0);
    REQUIRE(getsockname(silent, reinterpret_cast<sockaddr*>(&address), &size) == 0);

    test::MemoryOutbox outbox(test::make_records("demo-org", "hq", "kiosk-01", 1, 5));
    ClientConfig config;
    config.server_url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
    config.token = std::string(64, 'a');
    config.total_timeout = 60s;
    auto worker = std::make_unique<UploadWorker>(outbox, config, 1h);
    std::this_thread::sleep_for(300ms);  // the request is out, waiting for a reply
    auto stopping = std::chrono::steady_clock::now();
    worker.reset();
    CHECK(std::chrono::steady_clock::now() - stopping < 3s);
    CHECK(outbox.waiting() == 5);
    close(silent);
}
