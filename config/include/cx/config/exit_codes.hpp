#pragma once
// Exit codes mean the same in every program (cxkiosk, cxserver, cxscore); each
// program lists the ones it uses in its --help and the README has the table.
#include <initializer_list>
#include <string>

#include "cx/scoring/result.hpp"

namespace cx {

enum class ExitCode : int {
    Ok = 0,
    Failure = 1,   // the program could not do its job for another reason: listen address, TLS files
    Usage = 2,     // bad command line (incl. a secret given as an argument)
    BadData = 3,   // an input or config file that cannot be read or breaks a rule
    Store = 4,     // the store or database cannot be opened, read or written (or none is there)
    Display = 5,   // cxkiosk: no display, OpenGL or font file
    Unsent = 6,    // cxkiosk sync --once: records still wait (offline, server refused)
    Output = 7,    // an output file cannot be written (full medium, no permission, pulled out)
    NotFound = 8,  // the thing to act on does not exist (cxserver revoke-token: no active token)
};

constexpr int to_int(ExitCode code) { return static_cast<int>(code); }

// The exit code a failure of `kind` ends a program with.
ExitCode exit_code_for(ErrorKind kind);

// "Exit codes: 0 …; 2 …" for the codes a program uses, for its --help footer.
std::string describe_exit_codes(std::initializer_list<ExitCode> codes);

}  // namespace cx
