#include "cx/scoring/cxscore_app.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <ostream>
#include <string>

#include "cx/config/command_line.hpp"
#include "cx/config/config_files.hpp"
#include "cx/config/exit_codes.hpp"
#include "cx/scoring/jsonl_scoring.hpp"
#include "cx/scoring/report.hpp"

namespace cx {

namespace {

const std::string& exit_codes_footer() {
    static const std::string footer =
        describe_exit_codes({ExitCode::Ok, ExitCode::Usage, ExitCode::BadData}) +
        "\n  (exit 3 prints each error as FILE:LINE: message, and no score)";
    return footer;
}

struct ScoreOptions {
    std::string responses;
    std::string assessment;
    std::string config_dir;
    std::string format = "json";
};

void print_error(std::ostream& err, const std::string& file, long line,
                 const std::string& message) {
    err << file;
    if (line > 0) err << ':' << line;
    err << ": " << message << '\n';
}

int score(const ScoreOptions& options, std::ostream& out, std::ostream& err) {
    const auto invalid = to_int(ExitCode::BadData);
    auto config_dir = options.config_dir.empty() ? default_config_dir()
                                                 : std::filesystem::path(options.config_dir);
    auto config = load_scoring_config(config_dir);
    if (!config) {
        err << "cxscore: config: " << config.error().message << std::endl;
        return invalid;
    }
    const auto& [dir, questionnaire, policy, management] = config.value();

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

    ScoreAccumulator accumulator(questionnaire, policy);
    JsonlOptions reading;
    auto scan = score_jsonl_file(options.responses, questionnaire, policy, accumulator, reading);
    if (!scan) {
        print_error(err, options.responses, 0, scan.error().message);
        return invalid;
    }
    if (scan.value().error_count > 0) {
        for (const auto& error : scan.value().errors)
            print_error(err, options.responses, static_cast<long>(error.line), error.message);
        auto unlisted =
            scan.value().error_count - static_cast<std::int64_t>(scan.value().errors.size());
        if (unlisted > 0) err << options.responses << ": … " << unlisted << " more errors\n";
        err << "cxscore: " << scan.value().error_count << " invalid lines in " << options.responses
            << "; no score computed" << std::endl;
        return invalid;
    }

    auto report = make_report(accumulator, questionnaire, policy, management, assessment);
    auto text = options.format == "text" ? render_report_text(report) : render_report_json(report);
    out << text << std::flush;
    return to_int(ExitCode::Ok);
}

}  // namespace

int run_cxscore(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
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
    score_command->add_option("--assessment", options.assessment,
                              "management assessment JSON ({org, conformity_passed, levels}); "
                              "without it, management and grade are null");
    score_command->add_option("--config", options.config_dir,
                              "config directory (default: $CXKIOSK_CONFIG_DIR, the installed or "
                              "the source tree's config/)");
    score_command->add_option("--format", options.format, "json (default) or text (bilingual)")
        ->check(CLI::IsMember({"json", "text"}));
    score_command->footer(exit_codes_footer());

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return finish_parse(app, e, out, err);
    }
    return score(options, out, err);
}

}  // namespace cx
