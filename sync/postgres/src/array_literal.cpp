#include "cx/postgres/array_literal.hpp"

namespace cx::postgres {

void ArrayLiteral::separate() {
    if (body_.size() > 1) body_ += ',';
}

void ArrayLiteral::add(std::string_view text) {
    separate();
    body_ += '"';
    for (char c : text) {
        if (c == '"' || c == '\\') body_ += '\\';
        body_ += c;
    }
    body_ += '"';
}

void ArrayLiteral::add_null() {
    separate();
    body_ += "NULL";
}

void ArrayLiteral::add_or_null(std::string_view text) {
    if (text.empty())
        add_null();
    else
        add(text);
}

}  // namespace cx::postgres
