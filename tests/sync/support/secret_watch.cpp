#include "secret_watch.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <utility>
#include <vector>

namespace cx::test {

namespace {

struct Spelling {
    std::string text;
    std::string kind;
};

std::mutex watch_mutex;
std::vector<Spelling>& spellings() {
    static std::vector<Spelling> all;
    return all;
}

std::string upper(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

}  // namespace

void watch_secret(std::string_view kind, const std::string& secret) {
    if (secret.empty()) return;
    std::string digits;  // a code as typed without its dashes
    std::copy_if(secret.begin(), secret.end(), std::back_inserter(digits),
                 [](char c) { return c != '-'; });
    std::lock_guard lock(watch_mutex);
    for (auto& text : {secret, upper(secret), digits})
        spellings().push_back({text, std::string(kind)});
}

void watch_output(std::string_view where, std::string_view text) {
    std::lock_guard lock(watch_mutex);
    for (const auto& spelling : spellings()) {
        if (text.find(spelling.text) == std::string_view::npos) continue;
        std::fprintf(stderr, "secret leaked: a %s (%.6s…) in %.*s\n", spelling.kind.c_str(),
                     spelling.text.c_str(), static_cast<int>(where.size()), where.data());
        std::abort();
    }
}

void watch_replies(httplib::Client& client) {
    client.set_logger([](const httplib::Request& request, const httplib::Response& reply) {
        std::string text = std::to_string(reply.status) + " " + reply.reason + "\n";
        for (const auto& [name, value] : reply.headers) text += name + ": " + value + "\n";
        text += reply.body;
        watch_output("the reply to " + request.method + " " + request.path, text);
    });
}

}  // namespace cx::test
