#pragma once
// Charts for the console, drawn by the server as inline SVG through HtmlWriter (so
// every label and tooltip is escaped like any other text). No script: a tooltip is
// the shape's <title>. Each chart is role="img" with an aria-label, scales with its
// container (viewBox; console.css sizes svg.chart in rem, which prints on A4).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cx/server/html_writer.hpp"

namespace cx {

// One horizontal bar: `value` of `max`, `value_text` written beside it.
struct ChartBar {
    std::string label;
    double value = 0;
    double max = 0;
    std::string value_text;
};
void bar_chart(HtmlWriter& html, std::string_view aria_label, const std::vector<ChartBar>& bars);

// One stacked bar: counts per part, in the order of the chart's parts.
struct ChartStack {
    std::string label;    // beside the bar
    std::string tooltip;  // the bar's <title> start (e.g. the item's full text)
    std::vector<long long> counts;
};
// Bars as shares of their total; `parts` names each part (the legend), in the
// colour-blind-safe palette's order (a diverging scale, then grey for the last part
// when `last_is_neutral`).
void stacked_bar_chart(HtmlWriter& html, std::string_view aria_label,
                       const std::vector<std::string>& parts, bool last_is_neutral,
                       const std::vector<ChartStack>& stacks);

// One point of a 0–100 trend: nullopt value = a gap (nothing to show that period).
struct TrendPoint {
    std::string label;    // the x axis (e.g. the week's first day)
    std::string tooltip;  // the point's <title>
    std::optional<double> value;
    std::optional<double> low, high;  // the whisker (a confidence interval)
};
void trend_chart(HtmlWriter& html, std::string_view aria_label,
                 const std::vector<TrendPoint>& points);

}  // namespace cx
