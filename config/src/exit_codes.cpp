#include "cx/config/exit_codes.hpp"

namespace cx {

ExitCode exit_code_for(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Invalid:
            return ExitCode::BadData;
        case ErrorKind::NotFound:
            return ExitCode::NotFound;
        case ErrorKind::Io:
            return ExitCode::Output;
        case ErrorKind::Store:
        case ErrorKind::Busy:
        case ErrorKind::Damaged:
        case ErrorKind::TooNew:
            return ExitCode::Store;
        case ErrorKind::Network:
        case ErrorKind::Refused:
            return ExitCode::Unsent;
        case ErrorKind::Internal:
            return ExitCode::Failure;
    }
    return ExitCode::Failure;
}

std::string describe_exit_codes(std::initializer_list<ExitCode> codes) {
    std::string text = "Exit codes:";
    for (ExitCode code : codes) {
        text += "\n  " + std::to_string(to_int(code)) + "  ";
        switch (code) {
            case ExitCode::Ok:
                text += "success";
                break;
            case ExitCode::Failure:
                text += "failure not covered below (listen address, TLS files, signal watcher)";
                break;
            case ExitCode::Usage:
                text += "usage error: unknown option or subcommand, missing or bad argument";
                break;
            case ExitCode::BadData:
                text += "bad data: an input or config file that cannot be read or breaks a rule";
                break;
            case ExitCode::Store:
                text += "store or database error (cannot open, read or write; none there)";
                break;
            case ExitCode::Display:
                text += "no display, OpenGL or font";
                break;
            case ExitCode::Unsent:
                text += "records are still waiting to upload (offline or refused)";
                break;
            case ExitCode::Output:
                text += "the output file cannot be written (nothing at the target was changed)";
                break;
            case ExitCode::NotFound:
                text += "nothing matched (no such active token)";
                break;
        }
    }
    return text;
}

}  // namespace cx
