#pragma once
// The kiosk's upload token never comes from the command line (every user sees
// argv in `ps`, and it lands in shell history): it is `token` in the settings
// file, or else the file DATA_DIR/token, written 0600 as enrolment writes it.
#include <filesystem>
#include <string>

#include "cx/kiosk/enrolment.hpp"
#include "cx/scoring/result.hpp"

namespace cx::kiosk {

// Where a token given as an argument should go instead, for the refusal message.
std::string token_argument_refusal();

// A file that holds the token must be readable by its owner alone: Ok, or
// NotFound, Io, or Invalid naming the mode and the chmod that fixes it.
Status check_private_file(const std::filesystem::path& path);

// The token in DATA_DIR/token (trailing newline and spaces removed); NotFound
// when there is no such file, Invalid when it is empty or group/others may read it.
Result<std::string> read_token_file(const std::filesystem::path& data_dir);

}  // namespace cx::kiosk
