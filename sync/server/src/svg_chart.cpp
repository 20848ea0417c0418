#include "cx/server/svg_chart.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <numeric>

namespace cx {

namespace {

constexpr double kWidth = 600;
constexpr std::string_view kInk = "#1d2430";
constexpr std::string_view kMuted = "#5b6575";
constexpr std::string_view kLine = "#d5dae2";
constexpr std::string_view kAccent = "#1b5e9a";
// ColorBrewer RdYlBu (5 classes, colour-blind safe): low levels red, high blue; then grey.
constexpr std::array<std::string_view, 5> kDiverging = {"#d7191c", "#fdae61", "#ffffbf", "#abd9e9",
                                                        "#2c7bb6"};
constexpr std::string_view kNeutral = "#bdbdbd";

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", value);
    return text;
}

void open_svg(HtmlWriter& html, std::string_view aria_label, double height) {
    html.open("svg", {{"xmlns", "http://www.w3.org/2000/svg"},
                      {"class", "chart"},
                      {"viewBox", "0 0 " + number(kWidth) + " " + number(height)},
                      {"role", "img"},
                      {"aria-label", aria_label},
                      {"font-size", "12"}});
    html.element("title", aria_label);
}

void label(HtmlWriter& html, std::string_view text, double x, double y,
           std::string_view anchor = "start", std::string_view fill = kInk) {
    html.element("text", text,
                 {{"x", number(x)}, {"y", number(y)}, {"text-anchor", anchor}, {"fill", fill}});
}

void rect(HtmlWriter& html, double x, double y, double width, double height, std::string_view fill,
          std::string_view tooltip) {
    html.open("rect", {{"x", number(x)},
                       {"y", number(y)},
                       {"width", number(std::max(width, 0.0))},
                       {"height", number(height)},
                       {"fill", fill},
                       {"stroke", kLine},
                       {"stroke-width", "0.5"}});
    if (!tooltip.empty()) html.element("title", tooltip);
    html.close();
}

void line(HtmlWriter& html, double x1, double y1, double x2, double y2, std::string_view stroke,
          std::string_view width = "1") {
    html.open("line", {{"x1", number(x1)},
                       {"y1", number(y1)},
                       {"x2", number(x2)},
                       {"y2", number(y2)},
                       {"stroke", stroke},
                       {"stroke-width", width}})
        .close();
}

}  // namespace

void bar_chart(HtmlWriter& html, std::string_view aria_label, const std::vector<ChartBar>& bars) {
    constexpr double kRow = 28, kLabelWidth = 210, kBarWidth = 300;
    open_svg(html, aria_label, kRow * static_cast<double>(bars.size()) + 8);
    double y = 4;
    for (const auto& bar : bars) {
        label(html, bar.label, 0, y + 17);
        rect(html, kLabelWidth, y + 4, kBarWidth, 18, "#f3f5f8", {});
        const double share = bar.max > 0 ? std::clamp(bar.value / bar.max, 0.0, 1.0) : 0;
        rect(html, kLabelWidth, y + 4, kBarWidth * share, 18, kAccent,
             bar.label + ": " + bar.value_text);
        label(html, bar.value_text, kLabelWidth + kBarWidth + 8, y + 17);
        y += kRow;
    }
    html.close();
}

void stacked_bar_chart(HtmlWriter& html, std::string_view aria_label,
                       const std::vector<std::string>& parts, bool last_is_neutral,
                       const std::vector<ChartStack>& stacks) {
    // The legend: three swatches a line, room for "5 Far above expectations".
    constexpr std::size_t kPerLine = 3;
    constexpr double kLegendLine = 18, kRow = 40, kBarHeight = 16;
    auto colour = [&](std::size_t part) {
        if (last_is_neutral && part + 1 == parts.size()) return kNeutral;
        return kDiverging[std::min(part, kDiverging.size() - 1)];
    };
    const double legend =
        kLegendLine * static_cast<double>((parts.size() + kPerLine - 1) / kPerLine) + 8;
    open_svg(html, aria_label, legend + kRow * static_cast<double>(stacks.size()) + 4);
    for (std::size_t part = 0; part < parts.size(); ++part) {
        const double x = kWidth / kPerLine * static_cast<double>(part % kPerLine);
        const double y = 4 + kLegendLine * static_cast<double>(part / kPerLine);
        rect(html, x, y, 12, 12, colour(part), {});
        label(html, parts[part], x + 16, y + 10);
    }
    double y = legend;
    for (const auto& stack : stacks) {
        label(html, stack.label, 0, y + 13);
        const auto total = std::accumulate(stack.counts.begin(), stack.counts.end(), 0LL);
        double x = 0;
        if (total == 0) rect(html, 0, y + 18, kWidth, kBarHeight, "#f3f5f8", stack.tooltip);
        for (std::size_t part = 0; part < stack.counts.size() && total > 0; ++part) {
            const double width =
                kWidth * static_cast<double>(stack.counts[part]) / static_cast<double>(total);
            if (stack.counts[part] > 0)
                rect(html, x, y + 18, width, kBarHeight, colour(part),
                     stack.tooltip + " · " + (part < parts.size() ? parts[part] : "") + ": " +
                         std::to_string(stack.counts[part]));
            x += width;
        }
        y += kRow;
    }
    html.close();
}

void trend_chart(HtmlWriter& html, std::string_view aria_label,
                 const std::vector<TrendPoint>& points) {
    constexpr double kLeft = 36, kRight = kWidth - 8, kTop = 10, kBottom = 180, kHeight = 204;
    auto y_of = [&](double value) { return kBottom - (kBottom - kTop) * value / 100.0; };
    open_svg(html, aria_label, kHeight);
    for (int tick = 0; tick <= 100; tick += 25) {
        line(html, kLeft, y_of(tick), kRight, y_of(tick), kLine);
        label(html, std::to_string(tick), kLeft - 6, y_of(tick) + 4, "end", kMuted);
    }
    const auto count = points.size();
    const double step = count > 0 ? (kRight - kLeft) / static_cast<double>(count) : 0;
    auto x_of = [&](std::size_t index) {
        return kLeft + step * (static_cast<double>(index) + 0.5);
    };
    // At most about eight axis labels, so they never overlap.
    const std::size_t every = std::max<std::size_t>(1, (count + 7) / 8);
    for (std::size_t i = 0; i < count; ++i) {
        const auto& point = points[i];
        if (i % every == 0) label(html, point.label, x_of(i), kBottom + 18, "middle", kMuted);
        if (!point.value) continue;
        // Joined to the previous week only when it had a score: an empty week is a gap.
        if (i > 0 && points[i - 1].value)
            line(html, x_of(i - 1), y_of(*points[i - 1].value), x_of(i), y_of(*point.value),
                 kAccent, "2");
        if (point.low && point.high) {
            line(html, x_of(i), y_of(*point.low), x_of(i), y_of(*point.high), kMuted);
            line(html, x_of(i) - 3, y_of(*point.low), x_of(i) + 3, y_of(*point.low), kMuted);
            line(html, x_of(i) - 3, y_of(*point.high), x_of(i) + 3, y_of(*point.high), kMuted);
        }
        html.open("circle", {{"cx", number(x_of(i))},
                             {"cy", number(y_of(*point.value))},
                             {"r", "3.5"},
                             {"fill", kAccent}});
        html.element("title", point.tooltip).close();
    }
    html.close();
}

}  // namespace cx
