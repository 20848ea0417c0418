#include "cx/scoring/result.hpp"

namespace cx {

std::string_view to_string(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Invalid:
            return "invalid";
        case ErrorKind::NotFound:
            return "not_found";
        case ErrorKind::Io:
            return "io";
        case ErrorKind::Store:
            return "store";
        case ErrorKind::Busy:
            return "busy";
        case ErrorKind::Damaged:
            return "damaged";
        case ErrorKind::TooNew:
            return "too_new";
        case ErrorKind::Network:
            return "network";
        case ErrorKind::Refused:
            return "refused";
        case ErrorKind::Internal:
            return "internal";
    }
    return "unknown";
}

}  // namespace cx
