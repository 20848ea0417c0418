#pragma once
// Secrets (the staff PIN, a token to revoke) come from stdin, never from argv:
// every user sees a command line in `ps`, and it stays in the shell history.
#include <iosfwd>
#include <optional>
#include <string>

namespace cx {

// Whether stdin is a terminal (then a secret is typed with echo off, and asked twice where that
// matters).
bool stdin_is_terminal();

// One line of std::cin without its line end, or nullopt at the end of input. On
// a terminal `prompt` goes to `prompt_out` first and what is typed does not echo.
std::optional<std::string> read_secret_line(std::ostream& prompt_out, const char* prompt);

}  // namespace cx
