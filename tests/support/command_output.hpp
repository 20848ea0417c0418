#pragma once
// What a shell command printed on stdout; the test fails unless it exits 0.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

namespace cx::test {

inline std::string command_output(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe);
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
        out.append(buffer, n);
    REQUIRE(::pclose(pipe) == 0);
    return out;
}

}  // namespace cx::test
