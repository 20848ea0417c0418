#include "cx/config/command_line.hpp"

#include <CLI/CLI.hpp>

#include <ostream>
#include <sstream>

#include "cx/config/exit_codes.hpp"

namespace cx {

int finish_parse(CLI::App& app, const CLI::ParseError& error, std::ostream& out,
                 std::ostream& err) {
    std::ostringstream text;
    const bool help = error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success);
    app.exit(error, text, text);
    (help ? out : err) << text.str() << std::flush;
    return to_int(help ? ExitCode::Ok : ExitCode::Usage);
}

}  // namespace cx
