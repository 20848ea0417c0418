// upload_test_records URL DEVICE_TOKEN ORG SITE DEVICE COUNT: uploads COUNT sealed
// test records (seq 1…COUNT, the test key) with the real uploader, for the browser
// tests that need responses on a running cxserver. Exit 0 when all are stored.
#include <charconv>
#include <cstdio>
#include <string_view>

#include "cx/sync/uploader.hpp"
#include "sync_test_support.hpp"

int main(int argc, char** argv) {
    if (argc != 7) {
        std::fprintf(stderr, "usage: upload_test_records URL TOKEN ORG SITE DEVICE COUNT\n");
        return 2;
    }
    std::size_t count = 0;
    const std::string_view count_text(argv[6]);
    if (std::from_chars(count_text.data(), count_text.data() + count_text.size(), count).ec !=
            std::errc{} ||
        count == 0) {
        std::fprintf(stderr, "upload_test_records: COUNT must be a positive number\n");
        return 2;
    }
    cx::test::MemoryOutbox outbox(cx::test::make_records(argv[3], argv[4], argv[5], 1, count));
    cx::ClientConfig config;
    config.server_url = argv[1];
    config.token = argv[2];
    config.connect_timeout = std::chrono::milliseconds{2000};
    config.total_timeout = std::chrono::milliseconds{20000};
    auto outcome = cx::sync_once(outbox, config);
    if (!outcome.ok) {
        std::fprintf(stderr, "upload_test_records: the upload failed\n");
        return 1;
    }
    return 0;
}
