#include "cx/server/html_writer.hpp"

namespace cx {

std::string escape_html(std::string_view text) {
    std::string escaped;
    escaped.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                escaped += "&amp;";
                break;
            case '<':
                escaped += "&lt;";
                break;
            case '>':
                escaped += "&gt;";
                break;
            case '"':
                escaped += "&quot;";
                break;
            case '\'':
                escaped += "&#39;";
                break;
            default:
                escaped.push_back(c);
        }
    }
    return escaped;
}

HtmlWriter::HtmlWriter(std::string_view lang) {
    out_ = "<!DOCTYPE html>\n";
    open("html", {{"lang", lang}});
}

void HtmlWriter::start_tag(std::string_view tag, Attributes attributes) {
    out_.append("<").append(tag);
    for (const auto& [name, value] : attributes)
        out_.append(" ").append(name).append("=\"").append(escape_html(value)).append("\"");
    out_.append(">");
}

HtmlWriter& HtmlWriter::open(std::string_view tag, Attributes attributes) {
    start_tag(tag, attributes);
    open_.push_back(tag);
    return *this;
}

HtmlWriter& HtmlWriter::close() {
    if (open_.empty()) return *this;
    out_.append("</").append(open_.back()).append(">");
    open_.pop_back();
    return *this;
}

HtmlWriter& HtmlWriter::element(std::string_view tag, std::string_view text,
                                Attributes attributes) {
    return open(tag, attributes).text(text).close();
}

HtmlWriter& HtmlWriter::empty(std::string_view tag, Attributes attributes) {
    start_tag(tag, attributes);
    return *this;
}

HtmlWriter& HtmlWriter::text(std::string_view text) {
    out_ += escape_html(text);
    return *this;
}

std::string HtmlWriter::take() {
    while (!open_.empty()) close();
    out_.push_back('\n');
    return std::move(out_);
}

}  // namespace cx
