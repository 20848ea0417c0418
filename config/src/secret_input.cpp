#include "cx/config/secret_input.hpp"

#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace cx {

bool stdin_is_terminal() {
    return ::isatty(STDIN_FILENO) != 0;
}

std::optional<std::string> read_secret_line(std::ostream& prompt_out, const char* prompt) {
    const bool terminal = stdin_is_terminal();
    termios saved{};
    if (terminal) {  // echo off before the prompt, so nothing typed after it shows
        ::tcgetattr(STDIN_FILENO, &saved);
        termios quiet = saved;
        quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
        prompt_out << prompt << std::flush;
    }
    std::string line;
    const bool got = static_cast<bool>(std::getline(std::cin, line));
    if (terminal) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        prompt_out << '\n';
    }
    if (!got) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

}  // namespace cx
