#pragma once
// Runs a program's run_…(argc, argv, out, err) in-process and keeps what it printed.
#include <catch2/catch.hpp>

#include <initializer_list>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace cx::test {

struct CliRun {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// `args` after `head` (the program name and options every call shares).
template <class RunProgram>
CliRun run_cli(RunProgram run, std::vector<std::string> head,
               const std::vector<std::string>& args) {
    head.insert(head.end(), args.begin(), args.end());
    std::vector<const char*> argv;
    for (const auto& arg : head) argv.push_back(arg.c_str());
    argv.push_back(nullptr);
    std::ostringstream out;
    std::ostringstream err;
    const int code = run(static_cast<int>(head.size()), argv.data(), out, err);
    return {code, out.str(), err.str()};
}

// `--help` succeeded, on stdout only, and its footer names each of these exit codes.
inline void check_help_lists(const CliRun& help, std::initializer_list<const char*> codes) {
    CHECK(help.exit_code == 0);
    CHECK(help.err.empty());
    for (const char* code : codes) CHECK_THAT(help.out, Catch::Contains(code));
}

// Replaces std::cin's buffer while it lives (a secret read from stdin).
class StdinText {
  public:
    explicit StdinText(const std::string& text)
        : text_(text), saved_(std::cin.rdbuf(text_.rdbuf())) {}
    ~StdinText() {
        std::cin.rdbuf(saved_);
        std::cin.clear();
    }
    StdinText(const StdinText&) = delete;
    StdinText& operator=(const StdinText&) = delete;

  private:
    std::istringstream text_;
    std::streambuf* saved_;
};

}  // namespace cx::test
