#pragma once
// The `cxscore` command line: parses arguments, loads config, streams the
// responses, prints the score report (`score`) or the integrity check (`verify`). main() only forwards to run_cxscore; exit codes
// are cx::ExitCode (cx/config/exit_codes.hpp), listed in --help.
#include <iosfwd>

namespace cx {

int run_cxscore(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace cx
