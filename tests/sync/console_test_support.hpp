#pragma once
// The console tests' browser: users made with `cxserver add-user`, forms encoded and
// posted with the cookies the server set, the CSRF field read from a page; shared by
// test_console.cpp and test_console_assessment.cpp.
#include <httplib.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "sync_test_support.hpp"

namespace cx::test {

inline constexpr const char* kCertifierPassword = "correct horse battery";
inline constexpr const char* kViewerPassword = "viewer's own secret";

inline void add_user(const std::string& db, const std::vector<std::string>& args,
                     const std::string& password) {
    std::vector<std::string> argv{CXSERVER_PATH, "add-user", "--db", db};
    argv.insert(argv.end(), args.begin(), args.end());
    auto result = run_command(argv, password + "\n");
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
}

inline std::string form_encode(const std::map<std::string, std::string>& fields) {
    std::string body;
    for (const auto& [name, value] : fields) {
        if (!body.empty()) body += '&';
        body += name + '=';
        for (unsigned char c : value) {
            if (std::isalnum(c)) {
                body += static_cast<char>(c);
            } else {
                char escaped[4];
                std::snprintf(escaped, sizeof escaped, "%%%02X", c);
                body += escaped;
            }
        }
    }
    return body;
}

// The value of the form's hidden csrf field.
inline std::string csrf_field(const std::string& page) {
    std::smatch found;
    static const std::regex field(R"re(name="csrf" value="([0-9a-f]{64})")re");
    REQUIRE(std::regex_search(page, found, field));
    return found[1];
}

// A browser's part in the console: keeps the cookies the server sets and sends them back.
struct Browser {
    explicit Browser(int port) : http("127.0.0.1", port) { http.set_read_timeout(20, 0); }
    httplib::Client http;
    std::map<std::string, std::string> cookies;
    std::vector<std::string> set_cookies;  // of the last reply, as sent

    httplib::Headers headers(const httplib::Headers& extra = {}) const {
        httplib::Headers all = extra;
        std::string cookie;
        for (const auto& [name, value] : cookies)
            cookie += (cookie.empty() ? "" : "; ") + name + "=" + value;
        if (!cookie.empty()) all.emplace("Cookie", cookie);
        return all;
    }
    void keep_cookies(const httplib::Result& reply) {
        set_cookies.clear();
        for (const auto& [name, value] : reply->headers) {
            if (name != "Set-Cookie") continue;
            set_cookies.push_back(value);
            auto equals = value.find('=');
            auto end = value.find(';');
            auto cookie_name = value.substr(0, equals);
            auto cookie_value = value.substr(equals + 1, end - equals - 1);
            if (value.find("Max-Age=0") != std::string::npos)
                cookies.erase(cookie_name);
            else
                cookies[cookie_name] = cookie_value;
        }
    }
    httplib::Result get(const std::string& path, const httplib::Headers& extra = {}) {
        auto reply = http.Get(path.c_str(), headers(extra));
        REQUIRE(reply);
        keep_cookies(reply);
        return reply;
    }
    httplib::Result post(const std::string& path, const std::map<std::string, std::string>& form) {
        auto reply = http.Post(path.c_str(), headers(), form_encode(form),
                               "application/x-www-form-urlencoded");
        REQUIRE(reply);
        keep_cookies(reply);
        return reply;
    }
    // The sign-in page's form, filled in and sent.
    httplib::Result sign_in(const std::string& name, const std::string& password) {
        auto page = get("/");
        REQUIRE(page->status == 200);
        return post("/signin",
                    {{"name", name}, {"password", password}, {"csrf", csrf_field(page->body)}});
    }
};

struct Console : ServerFixture {
    explicit Console(std::vector<std::string> server_args = {})
        : ServerFixture(std::move(server_args)) {
        add_user(db, {"--name", "carla", "--role", "certifier"}, kCertifierPassword);
        add_user(db, {"--name", "vic", "--role", "viewer", "--org", "demo-org"}, kViewerPassword);
        (void)add_token(db, {"--role", "viewer", "--org", "other-org"});
    }
    Browser browser() const { return Browser(server->port()); }

    // Signs in with curl from 127.0.0.2, another client address: the HTTP status.
    std::string sign_in_from_elsewhere(const std::string& name, const std::string& password) {
        auto page = browser().get("/");
        const auto token = csrf_field(page->body);
        return run_command({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                            "--interface", "127.0.0.2", "-b", "cx_signin=" + token, "--data",
                            form_encode({{"name", name}, {"password", password}, {"csrf", token}}),
                            server->url() + "/signin"})
            .out;
    }
};

inline bool is_html(const httplib::Result& reply) {
    return reply->get_header_value("Content-Type") == "text/html; charset=utf-8" &&
           reply->body.starts_with("<!DOCTYPE html>");
}

}  // namespace cx::test
