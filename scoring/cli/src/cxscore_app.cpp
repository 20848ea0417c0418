#include "cx/scoring/cxscore_app.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <ostream>
#include <string>

#include "cx/config/command_line.hpp"
#include "cx/config/config_files.hpp"
#include "cx/config/exit_codes.hpp"
#include "cx/integrity/device_keys.hpp"
#include "cx/scoring/integrity_report.hpp"
#include "cx/scoring/jsonl_scoring.hpp"
#include "cx/scoring/report.hpp"

namespace cx {

namespace {

const std::string& exit_codes_footer() {
    static const std::string footer =
        describe_exit_codes({ExitCode::Ok, ExitCode::Usage, ExitCode::BadData}) +
        "\n  4  cxscore verify: the data is not intact (a seal that does not hold, a missing,"
        "\n     forked or broken seq); the code table's \"store\" code, read as \"the evidence\""
        "\n  (exit 3 prints each error as FILE:LINE: message, and no score)";
    return footer;
}

struct ScoreOptions {
    std::string responses;
    std::string assessment;
    std::string pubkeys;
    std::string config_dir;
    std::string format = "json";
};

struct VerifyOptions {
    std::string responses;
    std::string pubkeys;
    std::string config_dir;
    std::string format = "text";
};

void print_error(std::ostream& err, const std::string& file, long line,
                 const std::string& message) {
    err << file;
    if (line > 0) err << ':' << line;
    err << ": " << message << '\n';
}

// The config of --config DIR (or the default one); errors are printed.
std::optional<ScoringConfig> load_config(const std::string& config_dir, std::ostream& err) {
    auto config = load_scoring_config(config_dir.empty() ? default_config_dir()
                                                         : std::filesystem::path(config_dir));
    if (!config) {
        err << "cxscore: config: " << config.error().message << std::endl;
        return std::nullopt;
    }
    return std::move(config).value();
}

// The keys of --pubkeys FILE; errors are printed as FILE:LINE: message.
std::optional<integrity::DeviceKeys> load_pubkeys(const std::string& file, std::ostream& err) {
    auto text = read_text_file(file);
    if (!text) {
        err << text.error().message << std::endl;
        return std::nullopt;
    }
    auto keys = integrity::DeviceKeys::parse(text.value());
    if (!keys) {
        print_error(err, file, keys.error().line, keys.error().message);
        return std::nullopt;
    }
    return std::move(keys).value();
}

// Prints why the responses file could not be read in full; false when it was.
bool print_scan_failure(const Result<JsonlScan>& scan, const std::string& file, std::ostream& err) {
    if (!scan) {
        print_error(err, file, 0, scan.error().message);
        return true;
    }
    if (scan.value().error_count == 0) return false;
    for (const auto& error : scan.value().errors)
        print_error(err, file, static_cast<long>(error.line), error.message);
    auto unlisted =
        scan.value().error_count - static_cast<std::int64_t>(scan.value().errors.size());
    if (unlisted > 0) err << file << ": … " << unlisted << " more errors\n";
    err << "cxscore: " << scan.value().error_count << " invalid lines in " << file
        << "; nothing computed" << std::endl;
    return true;
}

int score(const ScoreOptions& options, std::ostream& out, std::ostream& err) {
    const auto invalid = to_int(ExitCode::BadData);
    auto config = load_config(options.config_dir, err);
    if (!config) return invalid;
    const auto& [dir, questionnaire, policy, management] = *config;

    std::optional<Assessment> assessment;
    if (!options.assessment.empty()) {
        auto text = read_text_file(options.assessment);
        if (!text) {
            err << text.error().message << std::endl;
            return invalid;
        }
        auto parsed = parse_assessment(text.value(), management);
        if (!parsed) {
            print_error(err, options.assessment, parsed.error().line, parsed.error().message);
            return invalid;
        }
        assessment = std::move(parsed).value();
    }
    std::optional<integrity::DeviceKeys> keys;
    if (!options.pubkeys.empty()) {
        keys = load_pubkeys(options.pubkeys, err);
        if (!keys) return invalid;
    }

    ScoreAccumulator accumulator(questionnaire, policy);
    integrity::RecordIntegrity integrity(keys ? &*keys : nullptr);
    auto scan = score_jsonl_file(options.responses, questionnaire, policy, accumulator, integrity);
    if (print_scan_failure(scan, options.responses, err)) return invalid;

    auto report = make_report(accumulator, questionnaire, policy, management, assessment);
    // Unsealed records scored without keys have no integrity to speak of: no section. The
    // file may hold a period or a site of the data: chains are audited from their first record.
    if (integrity.checked_anything())
        report.integrity = integrity.summary(integrity::ChainStart::FirstRecord);
    auto text = options.format == "text" ? render_report_text(report) : render_report_json(report);
    out << text << std::flush;
    return to_int(ExitCode::Ok);
}

int verify(const VerifyOptions& options, std::ostream& out, std::ostream& err) {
    const auto invalid = to_int(ExitCode::BadData);
    auto config = load_config(options.config_dir, err);
    if (!config) return invalid;
    auto keys = load_pubkeys(options.pubkeys, err);
    if (!keys) return invalid;

    integrity::RecordIntegrity integrity(&*keys);
    auto scan = audit_jsonl_file(options.responses, config->questionnaire, integrity);
    if (print_scan_failure(scan, options.responses, err)) return invalid;

    VerifyReport report{scan.value().lines, integrity.summary(), {}};
    report.problems = integrity.problems(report.integrity);
    out << (options.format == "json" ? render_verify_json(report) : render_verify_text(report))
        << std::flush;
    // Exit code 4 (the table's "store" code) is verify's "not intact" (issue 9).
    return report.intact() ? to_int(ExitCode::Ok) : to_int(ExitCode::Store);
}

}  // namespace

int run_cxscore(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    static const char* const kConfigHelp =
        "config directory (default: $CXKIOSK_CONFIG_DIR, the installed or the source tree's "
        "config/)";
    CLI::App app{"cxscore — service-certification scores and grades from exported responses"};
    app.footer(exit_codes_footer());
    app.require_subcommand(1);

    ScoreOptions options;
    auto* score_command = app.add_subcommand(
        "score",
        "Score a JSON Lines file of canonical responses (PRODUCT.md) and print the report");
    score_command
        ->add_option("--responses", options.responses, "JSON Lines file of responses (- for stdin)")
        ->required();
    score_command->add_option(
        "--assessment", options.assessment,
        "management assessment JSON ({org, conformity_passed, levels, auditor, date, notes}); "
        "without it, management and grade are null");
    score_command->add_option(
        "--pubkeys", options.pubkeys,
        "JSON {\"<device>\": \"<key hex>\" or [keys]}: check each record's signature and leave "
        "out those that fail, by reason (without it only the chains are checked)");
    score_command->add_option("--config", options.config_dir, kConfigHelp);
    score_command->add_option("--format", options.format, "json (default) or text (bilingual)")
        ->check(CLI::IsMember({"json", "text"}));
    score_command->footer(exit_codes_footer());

    VerifyOptions verifying;
    auto* verify_command = app.add_subcommand(
        "verify",
        "Check every record's seal against its device's keys and every device's chains; "
        "name each bad or missing seq. Exit 0 when intact, 4 when not");
    verify_command
        ->add_option("--responses", verifying.responses, "JSON Lines export to check (- for stdin)")
        ->required();
    verify_command
        ->add_option("--pubkeys", verifying.pubkeys,
                     "JSON {\"<device>\": \"<key hex>\"}, or a list of keys for a device "
                     "re-installed with a new key: {\"kiosk-01\": [\"…\", \"…\"]}")
        ->required();
    verify_command->add_option("--config", verifying.config_dir, kConfigHelp);
    verify_command->add_option("--format", verifying.format, "text (default) or json")
        ->check(CLI::IsMember({"json", "text"}));
    verify_command->footer(exit_codes_footer());

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return finish_parse(app, e, out, err);
    }
    if (*verify_command) return verify(verifying, out, err);
    return score(options, out, err);
}

}  // namespace cx
