#pragma once
// What every program does when CLI11 stops parsing: --help goes to `out` and
// ends with exit 0; a usage error (with CLI11's "Run with --help …") goes to
// `err` and ends with exit 2 (cx::ExitCode::Usage).
#include <iosfwd>

namespace CLI {
class App;
class ParseError;
}  // namespace CLI

namespace cx {

int finish_parse(CLI::App& app, const CLI::ParseError& error, std::ostream& out, std::ostream& err);

}  // namespace cx
