// The organisation pages' period and the SVG charts, without a server (the pages
// themselves are tested over HTTP in test_console.cpp).
#include <catch2/catch.hpp>

#include <regex>

#include "cx/server/org_pages.hpp"
#include "cx/server/svg_chart.hpp"

using namespace cx;
using namespace std::chrono;

namespace {

const sys_days kToday{year{2026} / November / 30};

std::string drawn(const std::function<void(HtmlWriter&)>& draw) {
    HtmlWriter html("en");
    draw(html);
    return html.take();
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t count = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
    return count;
}

}  // namespace

TEST_CASE("org pages: the period picker's days, the default the last 90 days") {
    auto fallback = parse_period({}, kToday);
    REQUIRE(fallback);
    CHECK(day_text(fallback->from) == "2026-09-02");
    CHECK(day_text(fallback->to) == "2026-12-01");  // today included
    CHECK((fallback->to - fallback->from).count() == kDefaultPeriodDays);
    CHECK_FALSE(fallback->site);

    auto chosen = parse_period({"2025-11-20", "2025-12-20", "branch"}, kToday);
    REQUIRE(chosen);
    const auto query = period_query("demo-org", *chosen);
    CHECK(query.from == "2025-11-20T00:00:00Z");
    CHECK(query.to == "2025-12-20T00:00:00Z");
    CHECK(query.site == "branch");
    // An empty field (the form's "all sites", a cleared date) is no choice.
    auto empty = parse_period({"", "", ""}, kToday);
    REQUIRE(empty);
    CHECK(day_text(empty->to) == "2026-12-01");
    CHECK_FALSE(empty->site);

    for (const QueryParams& bad :
         std::initializer_list<QueryParams>{{"2025-12-20", "2025-11-20", {}},  // backwards
                                            {"2025-11-20", "2025-11-20", {}},  // empty
                                            {"2025-02-30", {}, {}},            // no such day
                                            {"2025-1-5", {}, {}},
                                            {"2025-11-20T00:00:00Z", {}, {}},
                                            {{}, {}, "<b>"}})
        CHECK_FALSE(parse_period(bad, kToday));
}

TEST_CASE("org pages: the report's and exports' selection, bounds from the default period") {
    auto bare = console_query("demo-org", {}, kToday);
    REQUIRE(std::holds_alternative<ResponseQuery>(bare));
    CHECK(std::get<ResponseQuery>(bare).from == "2026-09-02T00:00:00Z");
    CHECK(std::get<ResponseQuery>(bare).to == "2026-12-01T00:00:00Z");
    auto exact = console_query("demo-org", {"2025-11-25T10:05:00Z", {}, ""}, kToday);
    REQUIRE(std::holds_alternative<ResponseQuery>(exact));
    CHECK(std::get<ResponseQuery>(exact).from == "2025-11-25T10:05:00Z");
    CHECK(std::get<ResponseQuery>(exact).to == "2026-12-01T00:00:00Z");
    CHECK_FALSE(std::get<ResponseQuery>(exact).site);  // the form's "all sites"
    auto bad = console_query("demo-org", {"yesterday", {}, {}}, kToday);
    REQUIRE(std::holds_alternative<Reply>(bad));
    CHECK(std::get<Reply>(bad).status == 400);
}

TEST_CASE("org pages: exclusion reasons and device states in words, with the JSON's key") {
    CHECK(key_text("speeder", Lang::Zh) == "答题过快 (speeder)");
    CHECK(key_text("unsigned", Lang::En) == "not signed by the device (unsigned)");
    CHECK(key_text("silent", Lang::Zh) == "失联 (silent)");
    CHECK(key_text("something_new", Lang::En) == "something_new");
}

TEST_CASE("svg charts: labels and tooltips escaped, an image with its label") {
    const auto svg = drawn([](HtmlWriter& html) {
        bar_chart(html, "Points <&>", {{"A<script>", 5, 10, "5 / 10"}, {"B", 12, 10, "12 / 10"}});
    });
    CHECK(svg.find("<script>") == std::string::npos);
    CHECK(svg.find("A&lt;script&gt;") != std::string::npos);
    CHECK(svg.find(R"(role="img" aria-label="Points &lt;&amp;&gt;")") != std::string::npos);
    // A bar over its maximum stops at the maximum; half of it is half the width.
    CHECK(svg.find(R"(width="300.0" height="18.0" fill="#1b5e9a")") != std::string::npos);
    CHECK(svg.find(R"(width="150.0" height="18.0" fill="#1b5e9a")") != std::string::npos);
}

TEST_CASE("svg charts: stacked bars as shares, each part's count in its tooltip") {
    const auto svg = drawn([](HtmlWriter& html) {
        stacked_bar_chart(
            html, "Levels", {"1", "2", "3", "4", "5", "N/A"}, true,
            {{"1.1 Staff", "1.1", {1, 0, 0, 0, 2, 1}}, {"1.2 Empty", "1.2", {0, 0, 0, 0, 0, 0}}});
    });
    CHECK(svg.find("<title>1.1 · 1: 1</title>") != std::string::npos);
    CHECK(svg.find("<title>1.1 · 5: 2</title>") != std::string::npos);
    CHECK(svg.find("<title>1.1 · N/A: 1</title>") != std::string::npos);
    CHECK(svg.find("1.1 · 2:") == std::string::npos);  // nothing drawn for no answers
    CHECK(svg.find(R"(width="300.0" height="16.0" fill="#2c7bb6")") != std::string::npos);
    CHECK(svg.find(R"(fill="#bdbdbd")") != std::string::npos);   // N/A grey
    CHECK(svg.find("<title>1.2</title>") != std::string::npos);  // an item nobody answered
}

TEST_CASE("svg charts: a trend's empty week is a gap, not a line across it") {
    const auto svg = drawn([](HtmlWriter& html) {
        trend_chart(html, "Trend",
                    {{"11-02", "w1", 80.0, 75.0, 85.0},
                     {"11-09", "w2", 82.0, std::nullopt, std::nullopt},
                     {"11-16", "w3", std::nullopt, std::nullopt, std::nullopt},
                     {"11-23", "w4", 90.0, 88.0, 92.0}});
    });
    CHECK(count_of(svg, "<circle") == 3);
    CHECK(count_of(svg, R"(stroke="#1b5e9a" stroke-width="2")") == 1);      // w1–w2 only
    CHECK(count_of(svg, R"(stroke="#5b6575" stroke-width="1")") == 2 * 3);  // two whiskers
    CHECK(svg.find("<title>w3</title>") == std::string::npos);
}
