#include "cx/scoring/cxscore_app.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <sstream>
#include <string>

#include "cx/config/config_files.hpp"
#include "cx/scoring/jsonl_scoring.hpp"
#include "cx/scoring/report.hpp"

namespace cx {

namespace {

constexpr const char* kExitCodes =
    "Exit codes:\n"
    "  0  the report was printed\n"
    "  2  usage error (unknown option, missing --responses, bad --format)\n"
    "  3  invalid data: a responses, assessment or config file that cannot be read or\n"
    "     breaks a rule; each error is printed as FILE:LINE: message and no score is printed";

struct ScoreOptions {
    std::string responses;
    std::string assessment;
    std::string config_dir;
    std::string format = "json";
};

void print_error(std::FILE* err, const std::string& file, long line, const std::string& message) {
    if (line > 0)
        std::fprintf(err, "%s:%ld: %s\n", file.c_str(), line, message.c_str());
    else
        std::fprintf(err, "%s: %s\n", file.c_str(), message.c_str());
}

int score(const ScoreOptions& options, std::FILE* out, std::FILE* err) {
    auto invalid = static_cast<int>(CxscoreExit::InvalidData);
    auto config_dir = options.config_dir.empty() ? default_config_dir()
                                                 : std::filesystem::path(options.config_dir);
    auto config = load_scoring_config(config_dir);
    if (!config) {
        std::fprintf(err, "cxscore: config: %s\n", config.error().message.c_str());
        return invalid;
    }
    const auto& [dir, questionnaire, policy, management] = config.value();

    std::optional<Assessment> assessment;
    if (!options.assessment.empty()) {
        auto text = read_text_file(options.assessment);
        if (!text) {
            std::fprintf(err, "%s\n", text.error().message.c_str());
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
        if (unlisted > 0)
            std::fprintf(err, "%s: … %lld more errors\n", options.responses.c_str(),
                         static_cast<long long>(unlisted));
        std::fprintf(err, "cxscore: %lld invalid lines in %s; no score computed\n",
                     static_cast<long long>(scan.value().error_count), options.responses.c_str());
        return invalid;
    }

    auto report = make_report(accumulator, questionnaire, policy, management, assessment);
    auto text = options.format == "text" ? render_report_text(report) : render_report_json(report);
    std::fwrite(text.data(), 1, text.size(), out);
    std::fflush(out);
    return static_cast<int>(CxscoreExit::Ok);
}

}  // namespace

int run_cxscore(int argc, const char* const* argv, std::FILE* out, std::FILE* err) {
    CLI::App app{"cxscore — service-certification scores and grades from exported responses"};
    app.footer(kExitCodes);
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
    score_command->footer(kExitCodes);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        std::ostringstream text;
        std::ostringstream ignored;
        app.exit(e, text, ignored);
        std::fputs(text.str().c_str(), out);
        return static_cast<int>(CxscoreExit::Ok);
    } catch (const CLI::ParseError& e) {
        std::ostringstream ignored;
        std::ostringstream text;
        app.exit(e, ignored, text);
        std::fprintf(err, "%s", text.str().c_str());  // CLI11 adds "Run with --help …"
        return static_cast<int>(CxscoreExit::Usage);
    }
    return score(options, out, err);
}

}  // namespace cx
