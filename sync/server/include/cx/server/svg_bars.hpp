#pragma once
// Horizontal bars drawn as inline SVG by the server (no script, no library): the
// report's characteristics against their maxima. Kept apart so that it can fold
// into the organisation page's chart writer.
#include <string>
#include <vector>

#include "cx/server/html_writer.hpp"

namespace cx {

struct Bar {
    std::string label;
    double value = 0;  // drawn from 0 to `max`; outside it, clamped
    double max = 1;
    std::string value_text;  // written at the bar's end, as the figures show it
};

// One row per bar; `width` is the drawing's width in CSS pixels (it scales to its box).
void write_bar_chart(HtmlWriter& html, const std::vector<Bar>& bars, std::string_view title,
                     int width = 640);

}  // namespace cx
