#pragma once
// The rows of one statement's result (owns the PGresult). Values are text, as
// libpq returns them; helpers read integers.
#include <libpq-fe.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace cx::postgres {

class Rows {
  public:
    explicit Rows(PGresult* result) : result_(result) {}
    Rows(Rows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
    Rows& operator=(Rows&& other) noexcept;
    Rows(const Rows&) = delete;
    Rows& operator=(const Rows&) = delete;
    ~Rows() { PQclear(result_); }

    int size() const { return result_ ? PQntuples(result_) : 0; }
    bool empty() const { return size() == 0; }
    bool is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
    std::string_view text(int row, int column) const;
    std::optional<std::string_view> nullable_text(int row, int column) const;
    std::int64_t integer(int row, int column) const;  // 0 for NULL or a non-integer
    // Rows an INSERT/UPDATE/DELETE touched.
    std::int64_t affected() const;

  private:
    PGresult* result_ = nullptr;
};

}  // namespace cx::postgres
