#pragma once
// Errors as values, one type across the code base (as cpp-httplib does it): every
// fallible operation returns a Result whose Error carries a kind, a message and,
// for line-oriented input, the line. Programs turn a kind into their exit code
// with cx::exit_code_for (cx/config/exit_codes.hpp).
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cx {

enum class ErrorKind {
    Invalid,   // input breaks a rule: bad JSON, a config key, a record field (the default)
    NotFound,  // a file, store, token or record that should exist does not
    Io,        // a file or medium could not be read or written (full disk, pulled out)
    Store,     // a database (kiosk store, server store) failed or refused
    Busy,      // another process holds the store
    Damaged,   // the store is not a database or fails its check: safe to move aside
    TooNew,    // written by a newer program: never touched
    Network,   // no connection, timeout, TLS failure
    Refused,   // the other side said no (an HTTP 4xx with its reason)
    Internal,  // a bug or an impossible state
};
std::string_view to_string(ErrorKind kind);

struct Error {
    std::string message;
    // 1-based line in the source the error was found in, 0 when not line-oriented.
    long line = 0;
    ErrorKind kind = ErrorKind::Invalid;
};

// An error of `kind` that is not tied to a line.
inline Error make_error(ErrorKind kind, std::string message) {
    return Error{std::move(message), 0, kind};
}

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
