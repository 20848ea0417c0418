#pragma once
// A PostgreSQL array literal ({"a","b",NULL}) built element by element, so a
// whole batch travels as one parameter per column (unnest($1::text[], …)): one
// statement and one round trip for 500 rows. Every element is quoted, with `"`
// and `\` escaped; the text stays a parameter, never part of the SQL.
#include <string>
#include <string_view>

namespace cx::postgres {

class ArrayLiteral {
  public:
    void add(std::string_view text);
    void add_null();
    // An empty text is SQL NULL (an unsigned record's absent seal).
    void add_or_null(std::string_view text);
    std::string finish() const { return body_ + '}'; }

  private:
    void separate();
    std::string body_ = "{";
};

}  // namespace cx::postgres
