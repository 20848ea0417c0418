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
    CHECK(home->body.find(R"(href="/console/orgs/demo-org?from=)") != std::string::npos);
    CHECK(home->body.find(R"(href="/console/orgs/other-org?from=)") != std::string::npos);
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
    auto scored = api.Get("/api/v1/orgs/demo-org/score?from=2025-11-01&to=2025-12-01",
                          httplib::Headers{{"Authorization", "Bearer " + viewer_token}});
    REQUIRE(scored);
    REQUIRE(scored->status == 200);
    auto score = json::parse(scored->body);

    auto browser = this->browser();
    REQUIRE(browser.sign_in("vic", kViewerPassword)->status == 303);
    auto page = browser.get("/console/orgs/demo-org?from=2025-11-01&to=2025-12-01&lang=en");
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

TEST_CASE_METHOD(Console, "console: a viewer goes to their organisation, another's page is 404") {
    auto browser = this->browser();
    REQUIRE(browser.sign_in("vic", kViewerPassword)->status == 303);
    auto home = browser.get("/console");
    CHECK(home->status == 303);
    // Their page for the default period, or for the one asked for.
    CHECK(home->get_header_value("Location").starts_with("/console/orgs/demo-org?from="));
    auto chosen = browser.get("/console?from=2025-11-20&to=2025-12-20&site=hq");
    CHECK(chosen->status == 303);
    CHECK(chosen->get_header_value("Location") ==
          "/console/orgs/demo-org?from=2025-11-20&to=2025-12-20&site=hq");
    CHECK(browser.get("/console/orgs/demo-org?from=2025-11-20&to=2025-12-20")->status == 200);
    for (const std::string path :
         {"/console/orgs/other-org", "/console/orgs/other-org?from=2025-11-20&to=2025-12-20"}) {
        auto guessed = browser.get(path);
        CHECK(guessed->status == 404);
        CHECK(guessed->body.find("other-org") == std::string::npos);
    }
    CHECK(browser.get("/console/orgs/not-even-an-org")->status == 404);
}

TEST_CASE_METHOD(Console, "console: a disabled user loses their sessions and cannot sign in") {
    auto browser = this->browser();
    REQUIRE(browser.sign_in("vic", kViewerPassword)->status == 303);
    REQUIRE(browser.get("/console/orgs/demo-org")->status == 200);
    auto disabled = test::run_command({CXSERVER_PATH, "disable-user", "--db", db, "--name", "vic"});
    INFO(disabled.err);
    REQUIRE(disabled.exit_code == 0);
    auto refused = browser.get("/console/orgs/demo-org");
    CHECK(refused->status == 303);
    CHECK(refused->get_header_value("Location") == "/");
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

namespace {

std::vector<std::smatch> all_matches(const std::string& text, const std::regex& pattern) {
    return {std::sregex_iterator(text.begin(), text.end(), pattern), std::sregex_iterator()};
}

// The value cell of the figures table's row `label`.
std::string figure(const std::string& page, const std::string& label) {
    std::smatch found;
    const std::regex row("<th scope=\"row\">" + label + "</th><td class=\"number\">([^<]*)</td>");
    REQUIRE(std::regex_search(page, found, row));
    return found[1];
}

std::string shown(const json& value) {
    return value.is_null() ? "—" : value.dump();
}

// Parses the organisation page of `org` for `query` (…?from&to[&site]) and checks every
// figure against what the JSON endpoints say for the same query.
void check_page_matches_endpoints(Browser& browser, httplib::Client& api,
                                  const std::string& viewer_token, const std::string& query) {
    const httplib::Headers auth{{"Authorization", "Bearer " + viewer_token}};
    auto scored = api.Get("/api/v1/orgs/demo-org/score" + query, auth);
    auto listed = api.Get("/api/v1/orgs/demo-org/devices", auth);
    auto audited = api.Get("/api/v1/orgs/demo-org/integrity", auth);
    REQUIRE((scored && listed && audited));
    REQUIRE(scored->status == 200);
    const auto score = json::parse(scored->body);
    const auto devices = json::parse(listed->body);
    const auto integrity = json::parse(audited->body);
    auto page = browser.get("/console/orgs/demo-org" + query + "&lang=en");
    REQUIRE(page->status == 200);
    const auto& html = page->body;
    INFO(query);

    CHECK(figure(html, "Respondents") == shown(score["respondents"]));
    CHECK(figure(html, "Service score") == shown(score["service_score"]));
    CHECK(figure(html, "95 % confidence interval") ==
          (score["ci95"].is_null() ? "—"
                                   : score["ci95"][0].dump() + " – " + score["ci95"][1].dump()));
    CHECK(figure(html, "Excluded responses") == shown(score["excluded_total"]));

    static const std::regex characteristic_row(
        R"(<tr><td>[^<]*</td><td class="number">([^<]*)</td><td class="number">([^<]*)</td>)"
        R"(<td class="number">([^<]*)</td><td class="number">([^<]*)</td></tr>)");
    auto rows = all_matches(html, characteristic_row);
    REQUIRE(rows.size() == score["characteristics"].size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& c = score["characteristics"][i];
        CHECK(rows[i][1] == shown(c["respondents"]));
        CHECK(rows[i][2] == shown(c["percent"]));
        CHECK(rows[i][3] == shown(c["points"]));
        CHECK(rows[i][4] == shown(c["max"]));
    }

    // The item chart's tooltips: "<item> · <level or N/A>: <count>" for each part drawn.
    std::map<std::string, std::map<std::string, long long>> drawn;
    static const std::regex part(R"(<title>([0-9.]+) · (\d(?= )|[^<:]+)[^<:]*: (\d+)</title>)");
    for (const auto& found : all_matches(html, part))
        drawn[found[1]][found[2]] = std::stoll(found[3]);
    for (const auto& item : score["items"]) {
        const auto id = item["id"].get<std::string>();
        for (int level = 1; level <= 5; ++level) {
            const auto count = item["counts"][std::to_string(level)].get<long long>();
            const auto it = drawn[id].find(std::to_string(level));
            CHECK((it == drawn[id].end() ? 0 : it->second) == count);
        }
        long long na = 0;
        for (const auto& [label, count] : drawn[id])
            if (label.size() > 1) na += count;
        CHECK(na == item["na"].get<long long>());
    }

    // Devices: records in the period (the score's chain audit), in all, gaps and forks.
    std::map<std::string, long long> in_period;
    for (const auto& device : score["integrity"]["devices"])
        for (const auto& key : device["keys"])
            in_period[device["device"]] += key["records"].get<long long>();
    static const std::regex device_row(
        R"(<tr class="status-[a-z]+"><td>([^<]*)</td><td>([^<]*)</td><td>[^<]*</td>)"
        R"(<td class="number">([^<]*)</td><td class="number">([^<]*)</td>)"
        R"(<td class="number">([^<]*)</td><td class="number">([^<]*)</td>)");
    std::map<std::string, std::vector<std::string>> device_cells;
    for (const auto& found : all_matches(html, device_row))
        device_cells[found[2]] = {found[1], found[3], found[4], found[5], found[6]};
    std::size_t expected_rows = 0;
    for (const auto& device : devices["devices"]) {
        const auto name = device["device"].get<std::string>();
        if (query.find("site=") != std::string::npos &&
            query.find("site=" + device["site"].get<std::string>()) == std::string::npos)
            continue;
        ++expected_rows;
        REQUIRE(device_cells.count(name) == 1);
        CHECK(device_cells[name][1] == std::to_string(in_period[name]));
        CHECK(device_cells[name][2] == shown(device["records"]));
        for (const auto& audit : integrity["devices"])
            if (audit["device"] == name) {
                CHECK(device_cells[name][3] == std::to_string(audit["gaps"].size()));
                CHECK(device_cells[name][4] == std::to_string(audit["forks"].size()));
            }
    }
    CHECK(device_cells.size() == expected_rows);
}

// A week's point of the trend: its tooltip for the week starting `day`.
void check_week_matches_endpoint(Browser& browser, httplib::Client& api,
                                 const std::string& viewer_token, const std::string& page_query,
                                 const std::string& week_from, const std::string& week_to) {
    auto scored = api.Get("/api/v1/orgs/demo-org/score?from=" + week_from + "&to=" + week_to,
                          httplib::Headers{{"Authorization", "Bearer " + viewer_token}});
    REQUIRE(scored);
    const auto week = json::parse(scored->body);
    auto page = browser.get("/console/orgs/demo-org" + page_query + "&lang=en");
    const std::string tooltip =
        "<title>" + week_from + " – " + week_to + ": Service score " +
        shown(week["service_score"]) + ", 95 % confidence interval " +
        (week["ci95"].is_null() ? "—" : week["ci95"][0].dump() + " – " + week["ci95"][1].dump()) +
        ", Respondents " + shown(week["respondents"]) + "</title>";
    INFO(tooltip);
    CHECK(page->body.find(tooltip) != std::string::npos);
}

}  // namespace

TEST_CASE_METHOD(Console, "console: the organisation page's figures equal the JSON endpoints'") {
    // hq/kiosk-01: 40 records on 2025-11-25, then (seq 20161…, two weeks later) 30 more,
    // which leaves a gap in its chain; branch/kiosk-02: 25 on 2025-11-25.
    test::MemoryOutbox first(test::make_records("demo-org", "hq", "kiosk-01", 1, 40));
    REQUIRE(sync_once(first, client_config()).ok);
    test::MemoryOutbox later(test::make_records("demo-org", "hq", "kiosk-01", 20161, 30));
    REQUIRE(sync_once(later, client_config()).ok);
    auto branch_config = client_config();
    branch_config.token = test::add_token(
        db, {"--role", "device", "--org", "demo-org", "--site", "branch", "--device", "kiosk-02"});
    test::MemoryOutbox branch(test::make_records("demo-org", "branch", "kiosk-02", 1, 25));
    REQUIRE(sync_once(branch, branch_config).ok);

    httplib::Client api("127.0.0.1", server->port());
    auto browser = this->browser();
    REQUIRE(browser.sign_in("carla", kCertifierPassword)->status == 303);
    // The period picker: every figure follows each period and site.
    for (const std::string query :
         {"?from=2025-11-20&to=2025-12-20", "?from=2025-11-26&to=2025-12-20",
          "?from=2025-11-20&to=2025-12-20&site=branch", "?from=2025-11-20&to=2025-11-21"})
        check_page_matches_endpoints(browser, api, viewer_token, query);
    check_week_matches_endpoint(browser, api, viewer_token, "?from=2025-11-20&to=2025-12-20",
                                "2025-11-20", "2025-11-27");
    check_week_matches_endpoint(browser, api, viewer_token, "?from=2025-11-20&to=2025-12-20",
                                "2025-12-04", "2025-12-11");

    // Different periods show different figures (the checks above compared like with like).
    auto all = browser.get("/console/orgs/demo-org?from=2025-11-20&to=2025-12-20&lang=en");
    auto later_only = browser.get("/console/orgs/demo-org?from=2025-11-26&to=2025-12-20&lang=en");
    CHECK(figure(all->body, "Respondents") != figure(later_only->body, "Respondents"));

    // The organisations page: the same score for the same period, the chain's gap counted.
    auto scored = api.Get("/api/v1/orgs/demo-org/score?from=2025-11-20&to=2025-12-20",
                          httplib::Headers{{"Authorization", "Bearer " + viewer_token}});
    const auto score = json::parse(scored->body);
    auto list = browser.get("/console?from=2025-11-20&to=2025-12-20&lang=en");
    REQUIRE(list->status == 200);
    const std::string row =
        R"(<a href="/console/orgs/demo-org?from=2025-11-20&amp;to=2025-12-20">demo-org</a></td>)"
        R"(<td class="number">)" +
        shown(score["respondents"]) + R"(</td><td class="number">)" +
        shown(score["service_score"]) +
        R"(</td><td class="number">— (no management assessment yet)</td>)"
        R"(<td class="number">2</td><td class="number">1</td>)";
    INFO(list->body);
    CHECK(list->body.find(row) != std::string::npos);
}

TEST_CASE_METHOD(Console, "console: an organisation without responses renders its pages") {
    auto browser = this->browser();
    REQUIRE(browser.sign_in("carla", kCertifierPassword)->status == 303);
    for (const auto* lang : {"zh", "en"}) {
        auto list = browser.get(std::string("/console?lang=") + lang);
        CHECK(list->status == 200);
        auto page = browser.get(std::string("/console/orgs/demo-org?lang=") + lang);
        REQUIRE(page->status == 200);
        CHECK(page->body.find("<svg") != std::string::npos);
        CHECK(page->body.find(R"(role="img")") != std::string::npos);
    }
    auto page = browser.get("/console/orgs/demo-org?lang=en");
    CHECK(figure(page->body, "Respondents") == "0");
    CHECK(figure(page->body, "Service score") == "—");
    // Nothing excluded: the sentence that says so, not a table without rows.
    CHECK(page->body.find("No response was excluded in this period.") != std::string::npos);
    CHECK(page->body.find(">Reason</th>") == std::string::npos);
    // A period that is no period is a 400 page, not a guess.
    CHECK(browser.get("/console/orgs/demo-org?from=2025-12-01&to=2025-11-01")->status == 400);
    CHECK(browser.get("/console/orgs/demo-org?from=yesterday")->status == 400);
    CHECK(browser.get("/console/orgs/demo-org?site=%3Cb%3E")->status == 400);
}

TEST_CASE_METHOD(Console, "console: the language links keep the period") {
    auto browser = this->browser();
    REQUIRE(browser.sign_in("carla", kCertifierPassword)->status == 303);
    auto page = browser.get("/console/orgs/demo-org?from=2025-11-20&to=2025-12-20&site=hq");
    CHECK(page->body.find(R"(href="/console/orgs/demo-org?from=2025-11-20&amp;to=2025-12-20&amp;)"
                          R"(site=hq&amp;lang=en")") != std::string::npos);
    auto list = browser.get("/console?from=2025-11-20&to=2025-12-20");
    CHECK(list->body.find(R"(href="/console?from=2025-11-20&amp;to=2025-12-20&amp;lang=en")") !=
          std::string::npos);
}
