// The certifier's console over plain HTTP against the real cxserver: sign-in,
// cookies, sessions (expiry, sign-out, disabled users), CSRF, the sign-in rate
// limits and organisation isolation, pages in Chinese and English.
#include <httplib.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <regex>
#include <thread>

#include "console_test_support.hpp"
#include "cx/scoring/response.hpp"
#include "cx/sync/uploader.hpp"
#include "sync_test_support.hpp"

using namespace cx;
using namespace cx::test;
using json = nlohmann::json;

namespace {

// Failed sign-ins (`attempt` makes the n-th and returns its status) until one is not a
// 401; CHECKs that it is a 429 and returns how many failed before it.
int failures_until_refused(const std::function<int(int)>& attempt) {
    int failures = 0;
    int status = 401;
    while (status == 401 && failures < 40) {
        status = attempt(failures);
        if (status == 401) ++failures;
    }
    CHECK(status == 429);
    return failures;
}

}  // namespace

TEST_CASE_METHOD(Console, "console: sign in, see the organisations, sign out") {
    auto browser = this->browser();
    auto signin_page = browser.get("/");
    CHECK(signin_page->status == 200);
    CHECK(is_html(signin_page));
    CHECK(signin_page->get_header_value("Content-Security-Policy").find("default-src 'none'") !=
          std::string::npos);
    CHECK(signin_page->get_header_value("X-Frame-Options") == "DENY");
    CHECK(signin_page->get_header_value("Referrer-Policy") == "same-origin");

    // Without a session every page leads to the sign-in page.
    for (const std::string path : {"/console", "/console/orgs/demo-org"}) {
        auto refused = browser.get(path);
        CHECK(refused->status == 303);
        CHECK(refused->get_header_value("Location") == "/");
    }

    auto wrong = browser.sign_in("carla", "not her password");
    CHECK(wrong->status == 401);
    CHECK(wrong->body.find("用户名或密码错误") != std::string::npos);
    CHECK(browser.cookies.count("cx_session") == 0);

    auto signed_in = browser.sign_in("carla", kCertifierPassword);
    CHECK(signed_in->status == 303);
    CHECK(signed_in->get_header_value("Location") == "/console");
    REQUIRE(browser.cookies.count("cx_session") == 1);
    const auto session_cookie =
        *std::find_if(browser.set_cookies.begin(), browser.set_cookies.end(),
                      [](const std::string& cookie) { return cookie.starts_with("cx_session="); });
    CHECK(session_cookie.find("; HttpOnly") != std::string::npos);
    CHECK(session_cookie.find("; SameSite=Strict") != std::string::npos);
    CHECK(session_cookie.find("; Path=/") != std::string::npos);
    CHECK(session_cookie.find("Secure") == std::string::npos);  // plain HTTP
    CHECK(browser.cookies.at("cx_session").size() == 64);       // 256 random bits

    CHECK(browser.get("/")->status == 303);  // signed in: the sign-in page sends home
    auto home = browser.get("/console");
    CHECK(home->status == 200);
    CHECK(is_html(home));
    CHECK(home->get_header_value("Cache-Control") == "no-store");
    // A certifier sees every organisation the server knows.
    CHECK(home->body.find(R"(href="/console/orgs/demo-org")") != std::string::npos);
    CHECK(home->body.find(R"(href="/console/orgs/other-org")") != std::string::npos);
    CHECK(browser.get("/console/orgs/other-org")->status == 200);
    CHECK(browser.get("/console/orgs/unknown-org")->status == 404);

    // Sign-out ends the session on the server: the old cookie no longer works.
    const auto old_session = browser.cookies.at("cx_session");
    auto signed_out = browser.post("/signout", {{"csrf", csrf_field(home->body)}});
    CHECK(signed_out->status == 303);
    CHECK(signed_out->get_header_value("Location") == "/");
    CHECK(browser.cookies.count("cx_session") == 0);
    browser.cookies["cx_session"] = old_session;
    CHECK(browser.get("/console")->status == 303);
}

TEST_CASE_METHOD(Console, "console: the organisation page shows the server's score") {
    test::MemoryOutbox outbox(test::make_records("demo-org", "hq", "kiosk-01", 1, 12));
    REQUIRE(sync_once(outbox, client_config()).ok);
    httplib::Client api("127.0.0.1", server->port());
    auto scored = api.Get("/api/v1/orgs/demo-org/score",
                          httplib::Headers{{"Authorization", "Bearer " + viewer_token}});
    REQUIRE(scored);
    REQUIRE(scored->status == 200);
    auto score = json::parse(scored->body);

    auto browser = this->browser();
    REQUIRE(browser.sign_in("vic", kViewerPassword)->status == 303);
    auto page = browser.get("/console/orgs/demo-org?lang=en");
    REQUIRE(page->status == 200);
    CHECK(page->body.find(R"(<html lang="en">)") != std::string::npos);
    CHECK(page->body.find("<th scope=\"row\">Respondents</th><td class=\"number\">" +
                          std::to_string(score["respondents"].get<int>()) + "</td>") !=
          std::string::npos);
    CHECK(page->body.find("<th scope=\"row\">Service score</th><td class=\"number\">" +
                          score["service_score"].dump() + "</td>") != std::string::npos);
    CHECK(score["respondents"].get<int>() > 0);
}

TEST_CASE_METHOD(Console,
                 "console: pages in Chinese and English, the choice remembered in a cookie") {
    auto browser = this->browser();
    CHECK(browser.get("/")->body.find(R"(<html lang="zh">)") != std::string::npos);  // default
    CHECK(browser.get("/", {{"Accept-Language", "en-GB,en;q=0.8"}})->body.find("Sign in") !=
          std::string::npos);
    auto english = browser.get("/?lang=en");
    CHECK(english->body.find(R"(<html lang="en">)") != std::string::npos);
    CHECK(browser.cookies.at("cx_lang") == "en");
    // The cookie now wins over the browser's languages.
    auto remembered = browser.get("/", {{"Accept-Language", "zh-CN"}});
    CHECK(remembered->body.find(R"(<html lang="en">)") != std::string::npos);
    auto chinese = browser.get("/?lang=zh");
    CHECK(chinese->body.find("<title>登录 · 认证管理台</title>") != std::string::npos);
    auto css = browser.get("/assets/console.css");
    CHECK(css->status == 200);
    CHECK(css->get_header_value("Content-Type") == "text/css; charset=utf-8");
    CHECK(css->body.find("Noto Sans CJK SC") != std::string::npos);
}

TEST_CASE_METHOD(Console, "console: a form without the right CSRF token is refused with 403") {
    auto browser = this->browser();
    auto page = browser.get("/");
    const auto token = csrf_field(page->body);
    // Sign-in: the token must match the cx_signin cookie set with the form.
    auto missing = browser.post("/signin", {{"name", "carla"}, {"password", kCertifierPassword}});
    CHECK(missing->status == 403);
    CHECK(is_html(missing));
    auto wrong = browser.post(
        "/signin",
        {{"name", "carla"}, {"password", kCertifierPassword}, {"csrf", std::string(64, 'a')}});
    CHECK(wrong->status == 403);
    browser.cookies.erase("cx_signin");  // another site's form: the cookie does not come along
    auto cross_site = browser.post(
        "/signin", {{"name", "carla"}, {"password", kCertifierPassword}, {"csrf", token}});
    CHECK(cross_site->status == 403);
    CHECK(browser.cookies.count("cx_session") == 0);

    // Sign-out: the token is the session's own.
    REQUIRE(browser.sign_in("carla", kCertifierPassword)->status == 303);
    CHECK(browser.post("/signout", {})->status == 403);
    CHECK(browser.post("/signout", {{"csrf", token}})->status == 403);
    CHECK(browser.get("/console")->status == 200);  // still signed in
    // A form that cannot be read is 400, and a duplicated field cannot sneak a token in.
    auto reply = browser.http.Post("/signout", browser.headers(), "csrf=%zz",
                                   "application/x-www-form-urlencoded");
    REQUIRE(reply);
    CHECK(reply->status == 400);
}

TEST_CASE_METHOD(Console, "console: a viewer sees only their organisation, another is 404") {
    auto browser = this->browser();
    REQUIRE(browser.sign_in("vic", kViewerPassword)->status == 303);
    auto home = browser.get("/console");
    CHECK(home->body.find(R"(href="/console/orgs/demo-org")") != std::string::npos);
    CHECK(home->body.find("other-org") == std::string::npos);
    CHECK(browser.get("/console/orgs/demo-org")->status == 200);
    auto guessed = browser.get("/console/orgs/other-org");
    CHECK(guessed->status == 404);
    CHECK(guessed->body.find("other-org") == std::string::npos);
    CHECK(browser.get("/console/orgs/not-even-an-org")->status == 404);
}

TEST_CASE_METHOD(Console, "console: a disabled user loses their sessions and cannot sign in") {
    auto browser = this->browser();
    REQUIRE(browser.sign_in("vic", kViewerPassword)->status == 303);
    REQUIRE(browser.get("/console")->status == 200);
    auto disabled = test::run_command({CXSERVER_PATH, "disable-user", "--db", db, "--name", "vic"});
    INFO(disabled.err);
    REQUIRE(disabled.exit_code == 0);
    CHECK(browser.get("/console")->status == 303);
    CHECK(browser.sign_in("vic", kViewerPassword)->status == 401);
}

TEST_CASE("console: a session ends when idle and at its maximum age") {
    SECTION("idle") {
        Console console({"--session-idle", "2s", "--session-max", "1h"});
        auto browser = console.browser();
        REQUIRE(browser.sign_in("carla", kCertifierPassword)->status == 303);
        // Used within the idle time it lives on, past its first idle period.
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds{4};
        while (std::chrono::steady_clock::now() < until) {
            REQUIRE(browser.get("/console")->status == 200);
            std::this_thread::sleep_for(std::chrono::milliseconds{500});
        }
        // Unused for longer than the idle time (timestamps are whole seconds: 2 s + 1 s).
        std::this_thread::sleep_for(std::chrono::milliseconds{3100});
        CHECK(browser.get("/console")->status == 303);
    }
    SECTION("maximum age, however busy") {
        Console console({"--session-idle", "1h", "--session-max", "2s"});
        auto browser = console.browser();
        REQUIRE(browser.sign_in("carla", kCertifierPassword)->status == 303);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
        int status = 200;
        while (status == 200 && std::chrono::steady_clock::now() < deadline) {
            status = browser.get("/console")->status;
            if (status == 200) std::this_thread::sleep_for(std::chrono::milliseconds{200});
        }
        CHECK(status == 303);
        CHECK(std::chrono::steady_clock::now() < deadline);
    }
}

TEST_CASE_METHOD(Console, "console: failed sign-ins for one name are slowed, then refused (429)",
                 "[sqlite]") {
    auto browser = this->browser();
    const int failures = failures_until_refused(
        [&](int n) { return browser.sign_in("carla", "guess " + std::to_string(n))->status; });
    // kSignInByName.refuse_after, plus one while the bucket drains (1/30 per second).
    CHECK(failures >= 8);
    CHECK(failures <= 10);
    // Refused for the name, even with the right password and from another address.
    CHECK(sign_in_from_elsewhere("carla", kCertifierPassword) == "429");
    auto refused = browser.sign_in("carla", kCertifierPassword);
    CHECK(refused->status == 429);
    CHECK(std::stoi(refused->get_header_value("Retry-After")) >= 1);
    // Another name from this address may still sign in.
    CHECK(browser.sign_in("vic", kViewerPassword)->status == 303);
}

TEST_CASE_METHOD(Console, "console: failed sign-ins from one address are refused (429)",
                 "[sqlite]") {
    auto browser = this->browser();
    // A new name each time: only the address adds up.
    const int failures = failures_until_refused([&](int n) {
        return browser.sign_in("guess-" + std::to_string(n), "wrong password")->status;
    });
    // kSignInByAddress.refuse_after, plus one while the bucket drains (1/30 per second).
    CHECK(failures >= 15);
    CHECK(failures <= 17);
    CHECK(browser.sign_in("carla", kCertifierPassword)->status == 429);
    // The same name from another address signs in.
    CHECK(sign_in_from_elsewhere("carla", kCertifierPassword) == "303");
}
