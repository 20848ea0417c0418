#include "cx/postgres/rows.hpp"

#include <charconv>
#include <cstdlib>

namespace cx::postgres {

Rows& Rows::operator=(Rows&& other) noexcept {
    if (this != &other) {
        PQclear(result_);
        result_ = other.result_;
        other.result_ = nullptr;
    }
    return *this;
}

std::string_view Rows::text(int row, int column) const {
    return {PQgetvalue(result_, row, column),
            static_cast<std::size_t>(PQgetlength(result_, row, column))};
}

std::optional<std::string_view> Rows::nullable_text(int row, int column) const {
    if (is_null(row, column)) return std::nullopt;
    return text(row, column);
}

std::int64_t Rows::integer(int row, int column) const {
    auto value = text(row, column);
    std::int64_t number = 0;
    std::from_chars(value.data(), value.data() + value.size(), number);
    return number;
}

std::int64_t Rows::affected() const {
    const char* count = result_ ? PQcmdTuples(result_) : "";
    return count && *count ? std::strtoll(count, nullptr, 10) : 0;
}

}  // namespace cx::postgres
