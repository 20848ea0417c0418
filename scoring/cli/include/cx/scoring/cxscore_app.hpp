#pragma once
// The `cxscore` command line: parses arguments, loads config, streams the
// responses, prints the report. main() only forwards to run_cxscore.
#include <cstdio>

namespace cx {

// Exit codes, documented in `cxscore --help` and README.md.
enum class CxscoreExit : int {
    Ok = 0,
    Usage = 2,        // bad arguments
    InvalidData = 3,  // unreadable or invalid responses, assessment or config; no score printed
};

int run_cxscore(int argc, const char* const* argv, std::FILE* out, std::FILE* err);

}  // namespace cx
