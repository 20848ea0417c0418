#include "cx/server/svg_bars.hpp"

#include <algorithm>
#include <cstdio>

namespace cx {

namespace {

constexpr int kRowHeight = 22;
constexpr int kBarHeight = 14;
constexpr int kLabelWidth = 200;  // the labels' column; the bars take the rest
constexpr int kValueWidth = 90;

std::string number(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", value);
    return buffer;
}

}  // namespace

void write_bar_chart(HtmlWriter& html, const std::vector<Bar>& bars, std::string_view title,
                     int width) {
    const int height = static_cast<int>(bars.size()) * kRowHeight + 4;
    const int track = width - kLabelWidth - kValueWidth;
    html.open("svg", {{"xmlns", "http://www.w3.org/2000/svg"},
                      {"class", "bars"},
                      {"role", "img"},
                      {"aria-label", title},
                      {"viewBox", "0 0 " + std::to_string(width) + " " + std::to_string(height)},
                      {"width", std::to_string(width)},
                      {"height", std::to_string(height)}});
    html.element("title", title);
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const auto& bar = bars[i];
        const int top = static_cast<int>(i) * kRowHeight + 2;
        const double share = bar.max > 0 ? std::clamp(bar.value / bar.max, 0.0, 1.0) : 0.0;
        const auto baseline = std::to_string(top + kBarHeight - 2);
        html.element("text", bar.label, {{"x", "0"}, {"y", baseline}, {"font-size", "12"}});
        html.open("rect", {{"x", std::to_string(kLabelWidth)},
                           {"y", std::to_string(top)},
                           {"width", std::to_string(track)},
                           {"height", std::to_string(kBarHeight)},
                           {"fill", "#e6eaf0"}})
            .close();
        html.open("rect", {{"x", std::to_string(kLabelWidth)},
                           {"y", std::to_string(top)},
                           {"width", number(share * track)},
                           {"height", std::to_string(kBarHeight)},
                           {"fill", "#1b5e9a"}})
            .close();
        html.element(
            "text", bar.value_text,
            {{"x", std::to_string(kLabelWidth + track + 6)}, {"y", baseline}, {"font-size", "12"}});
    }
    html.close();  // svg
}

}  // namespace cx
