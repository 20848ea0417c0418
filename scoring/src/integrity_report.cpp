#include "cx/scoring/integrity_report.hpp"

#include <numeric>

#include "integrity_rendering.hpp"

namespace cx {

namespace {

using Json = nlohmann::ordered_json;

std::string seq_text(const SeqRange& seqs) {
    return seqs.first == seqs.last ? std::to_string(seqs.first)
                                   : std::to_string(seqs.first) + "–" + std::to_string(seqs.last);
}

// The first 8 hex digits: enough to tell a device's keys apart on screen.
std::string short_key(const std::string& key) {
    return key.empty() ? std::string("—") : key.substr(0, 8) + "…";
}

// "1 record", "3 records".
std::string counted(std::int64_t count, const std::string& noun) {
    return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

std::string joined(const std::vector<std::string>& parts, const char* separator) {
    std::string out;
    for (const auto& part : parts) out += (out.empty() ? "" : separator) + part;
    return out;
}

std::int64_t missing_seqs(const KeyChain& chain) {
    return std::accumulate(
        chain.gaps.begin(), chain.gaps.end(), std::int64_t{0},
        [](std::int64_t sum, const SeqRange& gap) { return sum + gap.last - gap.first + 1; });
}

std::string excluded_text(const std::map<std::string, std::int64_t>& excluded) {
    std::vector<std::string> parts;
    for (const auto& [reason, count] : excluded)
        parts.push_back(reason + " " + std::to_string(count));
    return joined(parts, ", ");
}

}  // namespace

namespace detail {

Json integrity_json(const IntegritySummary& summary) {
    Json devices = Json::array();
    for (const auto& device : summary.devices) {
        Json keys = Json::array();
        for (const auto& chain : device.keys) {
            Json gaps = Json::array();
            for (const auto& gap : chain.gaps)
                gaps.push_back({{"first", gap.first}, {"last", gap.last}});
            keys.push_back({{"key", chain.key},
                            {"first_seq", chain.first_seq},
                            {"highest_seq", chain.highest_seq},
                            {"records", chain.records},
                            {"gaps", std::move(gaps)},
                            {"forks", chain.forks},
                            {"broken_links", chain.broken_links}});
        }
        devices.push_back({{"device", device.device}, {"keys", std::move(keys)}});
    }
    Json excluded = Json::object();
    for (const auto& [reason, count] : summary.excluded) excluded[reason] = count;
    Json out;
    out["intact"] = summary.intact();
    out["signatures_checked"] = summary.signatures_checked;
    out["devices"] = std::move(devices);
    out["excluded"] = std::move(excluded);
    return out;
}

std::string integrity_warning(const IntegritySummary& summary) {
    std::int64_t missing = 0;
    std::size_t forks = 0;
    std::size_t broken = 0;
    for (const auto& device : summary.devices)
        for (const auto& chain : device.keys) {
            missing += missing_seqs(chain);
            forks += chain.forks.size();
            broken += chain.broken_links.size();
        }
    std::vector<std::string> parts;
    if (missing) parts.push_back("missing seqs " + std::to_string(missing));
    if (forks) parts.push_back("forks " + std::to_string(forks));
    if (broken) parts.push_back("broken links " + std::to_string(broken));
    if (!summary.excluded.empty()) {
        std::int64_t left_out = 0;
        for (const auto& [reason, count] : summary.excluded) left_out += count;
        parts.push_back("records left out " + std::to_string(left_out) + " (" +
                        excluded_text(summary.excluded) + ")");
    }
    return "integrity broken: " + joined(parts, ", ") +
           "; the score and grade rest on evidence that is not intact";
}

std::string integrity_text(const IntegritySummary& summary) {
    std::string out = std::string("完整性 Integrity: ") +
                      (summary.intact() ? "完整 intact" : "不完整 NOT intact") + "\n";
    out += std::string("  签名 Signatures: ") +
           (summary.signatures_checked ? "已按设备公钥核对 checked against the device keys"
                                       : "未核对 not checked (no --pubkeys): chains only") +
           "\n";
    if (summary.devices.empty()) out += "  无签名记录 no sealed records\n";
    for (const auto& device : summary.devices)
        for (const auto& chain : device.keys) {
            out += "  " + device.device + "  key " + short_key(chain.key) + "  seq " +
                   seq_text({chain.first_seq, chain.highest_seq}) + ", " +
                   counted(chain.records, "record");
            std::vector<std::string> problems;
            for (const auto& gap : chain.gaps) problems.push_back("缺号 missing " + seq_text(gap));
            for (auto seq : chain.forks) problems.push_back("分叉 fork " + std::to_string(seq));
            for (auto seq : chain.broken_links)
                problems.push_back("断链 broken link " + std::to_string(seq));
            out += problems.empty() ? ": ok\n" : ": " + joined(problems, "; ") + "\n";
        }
    if (!summary.excluded.empty())
        out += "  因完整性排除 Left out for integrity: " + excluded_text(summary.excluded) + "\n";
    return out;
}

}  // namespace detail

std::string render_verify_json(const VerifyReport& report) {
    Json problems = Json::array();
    for (const auto& problem : report.problems)
        problems.push_back({{"device", problem.device},
                            {"key", problem.key},
                            {"first_seq", problem.seqs.first},
                            {"last_seq", problem.seqs.last},
                            {"reason", problem.reason},
                            {"line", problem.line ? Json(problem.line) : Json(nullptr)}});
    Json out;
    out["intact"] = report.intact();
    out["records"] = report.records;
    out["problems"] = std::move(problems);
    out["integrity"] = detail::integrity_json(report.integrity);
    return out.dump(2) + "\n";
}

std::string render_verify_text(const VerifyReport& report) {
    std::string out = "cxscore verify: " + counted(report.records, "record") + ", ";
    out += report.intact()
               ? "完整 intact: every seal holds, no seq is missing\n"
               : "不完整 NOT intact: " +
                     counted(static_cast<std::int64_t>(report.problems.size()), "problem") + "\n";
    for (const auto& problem : report.problems) {
        out += "  " + problem.device + "  key " + short_key(problem.key) + "  seq " +
               seq_text(problem.seqs) + "  " + problem.reason;
        if (problem.line) out += "  (line " + std::to_string(problem.line) + ")";
        out += "\n";
    }
    return out + "\n" + detail::integrity_text(report.integrity);
}

}  // namespace cx
