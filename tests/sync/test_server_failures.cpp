// cxserver in-process over the real SQLite store, with its token look-up made
// to throw std::bad_alloc: the failing worker job answers 500 internal with the
// JSON error, the failure is logged, and the server still stops.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <cstdio>
#include <new>
#include <string>
#include <thread>

#include "cx/config/config_files.hpp"
#include "cx/server/api_server.hpp"
#include "cx/server/server_store.hpp"
#include "cx/server/tokens.hpp"
#include "sync_test_support.hpp"

using namespace cx;

namespace {

// The real store, except that finding a token runs out of memory.
class OutOfMemoryOnTokens final : public ServerStore {
  public:
    explicit OutOfMemoryOnTokens(ServerStore& real) : real_(real) {}
    Result<std::vector<RecordOutcome>> ingest(std::span<const StoredRecord> batch,
                                              std::string_view received_at,
                                              DayStateFolder& folder) override {
        return real_.ingest(batch, received_at, folder);
    }
    Status for_each_day_state(const DayStateQuery& query,
                              const std::function<void(const DayStateRow&)>& visit) override {
        return real_.for_each_day_state(query, visit);
    }
    Result<bool> replace_day_state(const DayKey& key, std::int64_t version,
                                   std::string_view state) override {
        return real_.replace_day_state(key, version, state);
    }
    Result<ExportPage> export_page(const ResponseQuery& query,
                                   const std::optional<ExportCursor>& after,
                                   std::size_t limit) override {
        return real_.export_page(query, after, limit);
    }
    Result<std::int64_t> add_token(std::string_view selector, const TokenHash& hash,
                                   const TokenGrant& grant, std::string_view created_at) override {
        return real_.add_token(selector, hash, grant, created_at);
    }
    Result<std::optional<TokenRow>> find_token(std::string_view) override {
        throw std::bad_alloc();
    }
    Result<bool> revoke_token(std::int64_t id, std::string_view revoked_at) override {
        return real_.revoke_token(id, revoked_at);
    }
    Result<std::vector<TokenListing>> list_tokens(std::optional<std::string_view> org) override {
        return real_.list_tokens(org);
    }
    Result<std::vector<DeviceKey>> device_keys(std::string_view org,
                                               std::optional<std::string_view> device) override {
        return real_.device_keys(org, device);
    }
    Status bind_key(std::string_view org, std::string_view device, std::string_view key,
                    std::string_view bound_at) override {
        return real_.bind_key(org, device, key, bound_at);
    }
    Result<std::vector<DeviceKey>> pin_first_key(std::string_view org, std::string_view device,
                                                 std::string_view key,
                                                 std::string_view pinned_at) override {
        return real_.pin_first_key(org, device, key, pinned_at);
    }
    Status add_enrolment_code(const EnrolmentCode& code) override {
        return real_.add_enrolment_code(code);
    }
    Result<EnrolmentOutcome> enrol(const Enrolment& enrolment) override {
        return real_.enrol(enrolment);
    }
    Result<std::optional<std::string>> last_complete_at_or_before(std::string_view org,
                                                                  std::string_view device,
                                                                  std::string_view key,
                                                                  std::int64_t seq) override {
        return real_.last_complete_at_or_before(org, device, key, seq);
    }
    Status for_each_link(std::string_view org,
                         const std::function<void(const ChainLink&)>& visit) override {
        return real_.for_each_link(org, visit);
    }
    Result<std::map<std::string, std::int64_t>> late_arrivals(std::string_view org) override {
        return real_.late_arrivals(org);
    }
    Status put_heartbeat(const DeviceHeartbeat& beat) override { return real_.put_heartbeat(beat); }
    Result<std::vector<DeviceActivity>> device_activity(std::string_view org) override {
        return real_.device_activity(org);
    }
    Result<std::int64_t> add_assessment(const SavedAssessment& assessment) override {
        return real_.add_assessment(assessment);
    }
    Result<std::vector<SavedAssessment>> assessments(std::string_view org,
                                                     std::size_t limit) override {
        return real_.assessments(org, limit);
    }

    Result<std::int64_t> add_user(const User& user, std::string_view password_hash) override {
        return real_.add_user(user, password_hash);
    }
    Result<std::optional<UserCredentials>> find_user(std::string_view name) override {
        return real_.find_user(name);
    }
    Result<std::vector<User>> list_users() override { return real_.list_users(); }
    Result<bool> set_password(std::string_view name, std::string_view password_hash,
                              std::string_view changed_at) override {
        return real_.set_password(name, password_hash, changed_at);
    }
    Result<bool> disable_user(std::string_view name, std::string_view changed_at) override {
        return real_.disable_user(name, changed_at);
    }
    Status add_session(const NewSession& session) override { return real_.add_session(session); }
    Result<std::optional<LiveSession>> use_session(const TokenHash& id_hash,
                                                   const SessionCutoffs& cutoffs) override {
        return real_.use_session(id_hash, cutoffs);
    }
    Status end_session(const TokenHash& id_hash) override { return real_.end_session(id_hash); }
    Result<std::vector<std::string>> list_orgs() override { return real_.list_orgs(); }

  private:
    ServerStore& real_;
};

std::string read_all(std::FILE* file) {
    std::rewind(file);
    std::string text;
    char buffer[4096];
    while (auto n = std::fread(buffer, 1, sizeof buffer, file)) text.append(buffer, n);
    return text;
}

}  // namespace

TEST_CASE("a worker job that throws answers 500 internal, is logged, and the server still stops") {
    test::TempDir dir;
    auto real = open_store(test::test_db_url(dir));
    REQUIRE(real);
    OutOfMemoryOnTokens store(*real.value());
    auto config = load_scoring_config(CX_TEST_CONFIG_DIR);
    REQUIRE(config);
    ApiService service(store, config.value());
    std::FILE* sink = std::tmpfile();
    REQUIRE(sink);
    RequestLog log(sink);
    ServerOptions options;
    options.port = 0;
    options.threads = 2;
    ApiServer server(service, options, log);
    auto port = server.bind();
    REQUIRE(port);
    std::thread running([&] { server.run(); });

    httplib::Client http("127.0.0.1", port.value());
    auto reply = http.Post("/api/v1/responses",
                           {{"Authorization", "Bearer " + std::string(kTokenHexChars, 'a')}},
                           R"({"responses":[]})", "application/json");
    REQUIRE(reply);
    CHECK(reply->status == 500);
    CHECK_THAT(reply->body, Catch::Contains(R"("error":"internal")"));
    auto health = http.Get("/api/v1/health");  // the worker and event thread live on
    REQUIRE(health);
    CHECK(health->status == 200);

    server.stop();
    running.join();
    CHECK_THAT(read_all(sink), Catch::Contains("a worker job failed: std::bad_alloc"));
    std::fclose(sink);
}
