#pragma once
// What each cxkiosk command does once its command line is parsed: the kiosk
// itself, export, audit, status, set-pin, pubkey and sync --once, enrol. Each returns its exit
// code.
#include <filesystem>
#include <ostream>
#include <string>

#include "cx/config/config_files.hpp"
#include "cx/config/exit_codes.hpp"
#include "cx/kiosk/kiosk_config.hpp"
#include "cx/kiosk/platform.hpp"
#include "cx/sync/uploader.hpp"

namespace cx::kiosk {

// The streams a command writes to; fail() prints "cxkiosk: message" and returns the code.
struct Console {
    std::ostream& out;
    std::ostream& err;
    int fail(ExitCode code, const std::string& message) const;
};

// `layout_dump`, `text_dump`: for tests, files every screen's touch targets and the
// texts each frame shows are written to as JSON (empty: none).
int run_kiosk(const Console& console, const KioskConfig& config, const ScoringConfig& scoring,
              const PlatformOptions& platform_options, const std::string& ca_file,
              const std::string& layout_dump, const std::string& text_dump);
int run_export(const Console& console, const std::filesystem::path& data_dir,
               const std::string& format_name, const std::filesystem::path& out,
               const ScoringConfig& scoring);
int run_audit(const Console& console, const std::filesystem::path& data_dir);
// `format_name`: json or text (cx/kiosk/status.hpp).
int run_status(const Console& console, const KioskConfig& config, const ScoringConfig& scoring,
               const std::string& format_name);
int run_set_pin(const Console& console, const std::filesystem::path& data_dir);
// Prints the device's public key (64 hex and a newline), creating the key if there is none.
int run_pubkey(const Console& console, const std::filesystem::path& data_dir);
int run_sync(const Console& console, const KioskConfig& config, const std::string& ca_file,
             const SyncOptions& options);
// Trades a one-time code for the device token (cx/kiosk/enrolment.hpp).
int run_enrol(const Console& console, const KioskConfig& config, const std::string& ca_file,
              const std::string& code, bool force);

}  // namespace cx::kiosk
