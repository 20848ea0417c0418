#pragma once
// The `cxkiosk` command line: the fullscreen kiosk and the subcommands on its
// data dir (export, set-pin, audit, status, sync). main() only forwards to run_cxkiosk;
// exit codes are cx::ExitCode (cx/config/exit_codes.hpp), listed in --help.
#include <iosfwd>

namespace cx {

int run_cxkiosk(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace cx
