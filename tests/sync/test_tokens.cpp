// Tokens: 256 random bits, only a hash stored, refused when malformed or revoked.
#include <catch2/catch.hpp>

#include "cx/server/tokens.hpp"
#include "sync_test_support.hpp"

using namespace cx;

namespace {

struct TokenFixture {
    test::TempDir dir;
    std::unique_ptr<ServerStore> store = open_store("sqlite:" + (dir / "db").string()).value();
    TokenService tokens{*store};
};

}  // namespace

TEST_CASE("bearer_token accepts only 'Bearer ' and 64 lowercase hex") {
    std::string token(64, 'a');
    CHECK(bearer_token("Bearer " + token) == std::optional<std::string_view>{token});
    CHECK_FALSE(bearer_token("bearer " + token));
    CHECK_FALSE(bearer_token("Bearer " + token.substr(1)));
    CHECK_FALSE(bearer_token("Bearer " + std::string(64, 'A')));
    CHECK_FALSE(bearer_token("Basic abc"));
    CHECK_FALSE(bearer_token(""));
}

TEST_CASE_METHOD(TokenFixture,
                 "issued tokens are distinct, 64 hex chars, and authenticate to their grant") {
    auto first = tokens.issue({0, Role::Device, "demo-org", "hq", "kiosk-01"});
    auto second = tokens.issue({0, Role::Viewer, "demo-org", "", ""});
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    CHECK(first.value().token.size() == kTokenHexChars);
    CHECK(first.value().token != second.value().token);
    auto grant = tokens.authenticate(first.value().token);
    REQUIRE(grant.ok());
    REQUIRE(grant.value());
    CHECK(*grant.value() == first.value().grant);
    CHECK(grant.value()->role == Role::Device);
    CHECK(grant.value()->device == "kiosk-01");
}

TEST_CASE_METHOD(TokenFixture, "a token with the right selector but a wrong secret is refused") {
    auto issued = tokens.issue({0, Role::Admin, "demo-org", "", ""}).value();
    std::string forged = issued.token;
    forged.back() = forged.back() == '0' ? '1' : '0';
    CHECK_FALSE(tokens.authenticate(forged).value());
    CHECK_FALSE(tokens.authenticate("not a token").value());
}

TEST_CASE_METHOD(TokenFixture, "the store keeps a hash, never the token") {
    auto issued = tokens.issue({0, Role::Viewer, "demo-org", "", ""}).value();
    auto row = store->find_token(issued.token.substr(0, kSelectorHexChars)).value();
    REQUIRE(row);
    CHECK(row->hash == hash_token(issued.token));
    auto raw = test::run_command({"/usr/bin/sqlite3", (dir / "db").string(),
                                  "SELECT count(*) FROM tokens WHERE hash LIKE '%" +
                                      issued.token.substr(20) + "%' OR selector = '" +
                                      issued.token + "'"});
    CHECK(raw.out == "0\n");
}

TEST_CASE_METHOD(TokenFixture, "revoked tokens stop working, by id or by value") {
    auto by_id = tokens.issue({0, Role::Device, "o", "s", "d1"}).value();
    auto by_value = tokens.issue({0, Role::Device, "o", "s", "d2"}).value();
    CHECK(tokens.revoke(by_id.grant.id).value());
    CHECK(tokens.revoke(std::string_view(by_value.token)).value());
    CHECK_FALSE(tokens.authenticate(by_id.token).value());
    CHECK_FALSE(tokens.authenticate(by_value.token).value());
    CHECK_FALSE(tokens.revoke(by_id.grant.id).value());  // already revoked
    CHECK_FALSE(tokens.revoke(std::int64_t{9999}).value());
}

TEST_CASE_METHOD(TokenFixture, "grants missing what their role needs are refused") {
    CHECK_FALSE(tokens.issue({0, Role::Device, "demo-org", "", "kiosk"}).ok());
    CHECK_FALSE(tokens.issue({0, Role::Device, "demo-org", "hq", ""}).ok());
    CHECK_FALSE(tokens.issue({0, Role::Viewer, "", "", ""}).ok());
    CHECK_FALSE(tokens.issue({0, Role::Viewer, "demo-org", "hq", ""}).ok());
    CHECK_FALSE(tokens.issue({0, Role::Device, "bad org", "hq", "k"}).ok());
}
