#pragma once
// Errors as values: every fallible operation on input returns a Result.
#include <string>
#include <utility>
#include <variant>

namespace cx {

struct Error {
    std::string message;
    // 1-based line in the source the error was found in, 0 when not line-oriented.
    long line = 0;
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}
    Result(Error error) : state_(std::move(error)) {}

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    const Error& error() const { return std::get<1>(state_); }

private:
    std::variant<T, Error> state_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace cx
