// The transport's rules without a socket: strict headers, bodies held to the
// limit as they arrive (gzip inflated step by step), the per-address limiter,
// the worker pool surviving jobs that throw.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <new>
#include <stdexcept>

#include "cx/server/failure_limiter.hpp"
#include "cx/server/request_body.hpp"
#include "cx/server/strict_headers.hpp"
#include "cx/server/worker_pool.hpp"
#include "cx/sync/gzip.hpp"

using namespace cx;
using namespace std::chrono_literals;

TEST_CASE("strict headers: what a proxy could read differently is refused") {
    using Fields = std::vector<HeaderField>;
    CHECK_FALSE(strict_header_violation(Fields{{"Host", "cx"}, {"Content-Length", "12"}}));
    CHECK_FALSE(strict_header_violation(Fields{{"Transfer-Encoding", "chunked"}}));
    std::string nul("a\0b", 3);
    for (const auto& [fields, names] : std::vector<std::pair<Fields, std::string>>{
             {{{"Content-Length", "2"}, {"content-length", "3"}}, "more than once"},
             {{{"Content-Length", "+2"}}, "decimal"},
             {{{"Content-Length", ""}}, "decimal"},
             {{{"Content-Length", "2"}, {"Transfer-Encoding", "chunked"}}, "together"},
             {{{"Transfer-Encoding", "gzip, chunked"}}, "chunked"},
             {{{"X-Note", nul}}, "control character"},
             {{{"X-Note", "a\x7f"}}, "control character"},
             {{{"Authorization", "Bearer a"}, {"AUTHORIZATION", "Bearer b"}}, "Authorization"},
         }) {
        auto violation = strict_header_violation(fields);
        REQUIRE(violation);
        CHECK_THAT(*violation, Catch::Contains(names));
    }
    CHECK_FALSE(strict_header_violation(Fields{{"User-Agent", "a\tb"}}));  // tab is allowed
}

TEST_CASE("content encodings: gzip, deflate, identity, anything else is unsupported") {
    CHECK(parse_content_encoding("") == BodyEncoding::Identity);
    CHECK(parse_content_encoding("GZIP") == BodyEncoding::Gzip);
    CHECK(parse_content_encoding("deflate") == BodyEncoding::Deflate);
    CHECK_FALSE(parse_content_encoding("xgzipx"));
    CHECK_FALSE(parse_content_encoding("gzip, br"));
}

TEST_CASE("a request body is held to the limit as it arrives, before and after gunzip") {
    SECTION("identity: the wire bytes count") {
        RequestBody body(BodyEncoding::Identity, 10, 10);
        CHECK(body.append("12345") == RequestBody::State::Reading);
        CHECK(body.append("67890") == RequestBody::State::Reading);
        CHECK(body.finish() == RequestBody::State::Reading);
        CHECK(body.text() == "1234567890");
        CHECK(body.append("x") == RequestBody::State::TooLarge);
    }
    SECTION("gzip in small pieces inflates to the original") {
        std::string text(100000, 'r');
        auto packed = gzip_compress(text).value();
        RequestBody body(BodyEncoding::Gzip, 200000, 0);
        for (std::size_t at = 0; at < packed.size(); at += 7)
            REQUIRE(body.append(std::string_view(packed).substr(at, 7)) ==
                    RequestBody::State::Reading);
        CHECK(body.finish() == RequestBody::State::Reading);
        CHECK(body.text() == text);
    }
    SECTION("a bomb stops at the limit, never inflated whole") {
        auto bomb = gzip_compress(std::string(50'000'000, ' ')).value();
        RequestBody body(BodyEncoding::Gzip, 1'000'000, 0);
        CHECK(body.append(bomb) == RequestBody::State::TooLarge);
        CHECK(body.text().size() <= 1'000'000);
    }
    SECTION("garbage and truncated streams are corrupt") {
        RequestBody garbage(BodyEncoding::Gzip, 1000, 0);
        CHECK(garbage.append("not gzip at all") == RequestBody::State::Corrupt);
        auto packed = gzip_compress("{\"responses\":[]}").value();
        RequestBody cut(BodyEncoding::Gzip, 1000, 0);
        CHECK(cut.append(std::string_view(packed).substr(0, packed.size() - 4)) ==
              RequestBody::State::Reading);
        CHECK(cut.finish() == RequestBody::State::Corrupt);
    }
}

TEST_CASE("the failure limiter slows, then refuses, one address at a time") {
    FailureLimitPolicy policy;
    policy.slow_after = 3;
    policy.refuse_after = 6;
    policy.drain_per_second = 1;
    policy.max_addresses = 2;
    FailureLimiter limiter(policy);
    auto now = FailureLimiter::Clock::now();
    for (int i = 0; i < 3; ++i) CHECK(limiter.record_failure("a", now) == 0ms);
    CHECK(limiter.record_failure("a", now) == 100ms);
    CHECK(limiter.record_failure("a", now) == 200ms);
    CHECK_FALSE(limiter.refusal("a", now));
    limiter.record_failure("a", now);
    auto wait = limiter.refusal("a", now);
    REQUIRE(wait);
    CHECK(*wait >= 1s);
    CHECK_FALSE(limiter.refusal("b", now));  // other addresses are not affected
    // Draining forgives: after the wait (and one more refusal counted) it may try again.
    CHECK_FALSE(limiter.refusal("a", now + *wait + 2s));
    // Memory is bounded: a third address pushes out the least recent one.
    limiter.record_failure("b", now);
    limiter.record_failure("c", now);
    CHECK(limiter.tracked_addresses() == 2);
}

TEST_CASE("a worker job that throws is reported and its worker takes the next job") {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> failures;
    int finished = 0;
    {
        WorkerPool pool(1, [&](std::string_view what) {
            std::lock_guard lock(mutex);
            failures.emplace_back(what);
        });
        pool.submit([] { throw std::bad_alloc(); });
        pool.submit([] { throw std::runtime_error("database gone"); });
        pool.submit([] { throw 42; });
        pool.submit([&] {
            std::lock_guard lock(mutex);
            ++finished;
            changed.notify_all();
        });
        std::unique_lock lock(mutex);
        REQUIRE(changed.wait_for(lock, 5s, [&] { return finished == 1; }));
    }
    REQUIRE(failures.size() == 3);
    CHECK(failures[1] == "database gone");
    CHECK(failures[2] == "unknown exception");
}
