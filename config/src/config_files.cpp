#include "cx/config/config_files.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace cx {

std::filesystem::path executable_dir() {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::current_path() : exe.parent_path();
}

std::filesystem::path default_config_dir() {
    if (const char* env = std::getenv("CXKIOSK_CONFIG_DIR"); env && *env) return env;
    auto installed = executable_dir() / ".." / "share" / "cxkiosk" / "config";
    if (std::filesystem::exists(installed / "questionnaire.json")) return installed.lexically_normal();
    return CX_SOURCE_CONFIG_DIR;
}

Result<std::string> read_text_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path.string() + ": cannot open: " + std::strerror(errno)};
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return Error{path.string() + ": read error: " + std::strerror(errno)};
    return text.str();
}

namespace {

template <class T, class Parse>
Result<T> load(const std::filesystem::path& path, Parse parse) {
    auto text = read_text_file(path);
    if (!text) return text.error();
    auto parsed = parse(text.value());
    if (!parsed) return Error{path.string() + ": " + parsed.error().message};
    return std::move(parsed).value();
}

}  // namespace

Result<ScoringConfig> load_scoring_config(const std::filesystem::path& dir) {
    auto questionnaire = load<Questionnaire>(dir / "questionnaire.json", parse_questionnaire);
    if (!questionnaire) return questionnaire.error();
    auto policy = load<ScoringPolicy>(dir / "policy.json", parse_policy);
    if (!policy) return policy.error();
    auto management = load<ManagementScheme>(dir / "management.json", parse_management);
    if (!management) return management.error();
    return ScoringConfig{dir, std::move(questionnaire).value(), std::move(policy).value(),
                         std::move(management).value()};
}

}  // namespace cx
