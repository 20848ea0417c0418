// The console's form parser (application/x-www-form-urlencoded), the HTML
// writer's escaping and the choice of language.
#include <catch2/catch.hpp>

#include "cx/server/console_text.hpp"
#include "cx/server/form_data.hpp"
#include "cx/server/html_writer.hpp"

using namespace cx;

TEST_CASE("form: fields decode '+', %XX and UTF-8, in the order sent") {
    auto form = parse_form("name=li+lei&password=a%2Bb%26c%3D&city=%E5%8C%97%E4%BA%AC&empty=&bare");
    REQUIRE(form.ok());
    using Fields = std::vector<std::pair<std::string, std::string>>;
    CHECK(form.value().fields() == Fields{{"name", "li lei"},
                                          {"password", "a+b&c="},
                                          {"city", "北京"},
                                          {"empty", ""},
                                          {"bare", ""}});
    CHECK(form.value().get("city") == "北京");
    CHECK(form.value().get("missing") == std::nullopt);
    CHECK(parse_form("").value().fields().empty());
    CHECK(parse_form("a=1&&b=2&").value().fields().size() == 2);  // empty pairs are skipped
    CHECK(parse_form("a=%e5%8c%97").value().get("a") == "北");    // lowercase hex too
}

TEST_CASE("form: what is wrong is refused with a message, never guessed") {
    auto refused = [](std::string_view body, std::string_view says, FormLimits limits = {}) {
        auto form = parse_form(body, limits);
        INFO(body);
        REQUIRE_FALSE(form.ok());
        CHECK(form.error().kind == ErrorKind::Invalid);
        CHECK_THAT(form.error().message, Catch::Contains(std::string(says)));
    };
    refused("a=1&a=2", "field a is given more than once");
    refused("a=%4", "two hex digits");
    refused("a=%zz", "two hex digits");
    refused("a=%", "two hex digits");
    refused("%ff=1", "a field name is not valid UTF-8");
    refused("a=%C0%AF", "the value of a is not valid UTF-8");     // overlong '/'
    refused("a=%ED%A0%80", "the value of a is not valid UTF-8");  // a surrogate
    refused("=1", "a field has no name");
    refused(std::string(65, 'n') + "=1", "a field name is over 64 bytes");
    refused("a=1&b=2&c=3", "more than 2 fields", {.max_body = 100, .max_fields = 2});
    refused(std::string(101, 'a'), "form over 100 bytes", {.max_body = 100});
}

TEST_CASE("html: every text and attribute value is escaped, elements close in order") {
    CHECK(escape_html(R"(<script>alert("x") & 'y'</script>)") ==
          "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;");
    HtmlWriter html("zh");
    html.open("p", {{"title", "\"><img src=x>"}}).text("a<b").empty("br").element("b", "中文");
    CHECK(html.take() ==
          "<!DOCTYPE html>\n<html lang=\"zh\"><p title=\"&quot;&gt;&lt;img src=x&gt;\">a&lt;b<br>"
          "<b>中文</b></p></html>\n");
}

TEST_CASE("console language: Accept-Language's first of zh and en, else Chinese") {
    CHECK(lang_from_accept_language("en-GB,en;q=0.9,zh-CN;q=0.8") == Lang::En);
    CHECK(lang_from_accept_language("zh-CN,zh;q=0.9,en;q=0.8") == Lang::Zh);
    CHECK(lang_from_accept_language("fr-FR, EN;q=0.5") == Lang::En);
    CHECK(lang_from_accept_language("de") == Lang::Zh);
    CHECK(lang_from_accept_language("") == Lang::Zh);
    // Every text exists in both languages.
    for (int id = 0; id < static_cast<int>(ConsoleText::Count_); ++id)
        for (Lang lang : {Lang::Zh, Lang::En})
            CHECK_FALSE(text(static_cast<ConsoleText>(id), lang).empty());
}
