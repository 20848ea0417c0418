#pragma once
// The `cxserver` command line: serve, add-token, revoke-token, export. main()
// only forwards to run_cxserver; exit codes are cx::ExitCode
// (cx/config/exit_codes.hpp), listed in --help.
#include <iosfwd>

namespace cx {

int run_cxserver(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace cx
