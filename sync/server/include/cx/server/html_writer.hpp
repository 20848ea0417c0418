#pragma once
// Server-rendered HTML for the console, written element by element: every text
// and attribute value goes through escape_html, so nothing a user, a record or a
// form sent can become markup. Tags and attribute names come from the code.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cx {

// & < > " ' as character references.
std::string escape_html(std::string_view text);

class HtmlWriter {
  public:
    using Attributes = std::initializer_list<std::pair<std::string_view, std::string_view>>;

    // "<!DOCTYPE html>" and <html lang="…">; take() closes what is still open.
    explicit HtmlWriter(std::string_view lang);

    HtmlWriter& open(std::string_view tag, Attributes attributes = {});
    HtmlWriter& close();  // the element opened last
    // An element holding only `text`.
    HtmlWriter& element(std::string_view tag, std::string_view text, Attributes attributes = {});
    // An element without content or end tag (meta, link, input, br).
    HtmlWriter& empty(std::string_view tag, Attributes attributes = {});
    HtmlWriter& text(std::string_view text);
    // The document, every element closed.
    std::string take();

  private:
    void start_tag(std::string_view tag, Attributes attributes);
    std::string out_;
    std::vector<std::string_view> open_;
};

}  // namespace cx
