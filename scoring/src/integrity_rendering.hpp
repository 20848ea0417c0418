#pragma once
// The integrity section as the score report and `cxscore verify` both render it.
#include <nlohmann/json.hpp>
#include <string>

#include "cx/scoring/integrity_summary.hpp"

namespace cx::detail {

// {"intact", "signatures_checked", "devices": [{device, keys: [{key, first_seq,
// highest_seq, records, gaps: [{first, last}], forks, broken_links}]}], "excluded"}
nlohmann::ordered_json integrity_json(const IntegritySummary& summary);
// "integrity broken: …" with what is wrong in numbers; only for a summary that is not intact.
std::string integrity_warning(const IntegritySummary& summary);
// The bilingual lines: intact or not, whether signatures were checked, each device's
// keys with their seq range and problems, the records left out.
std::string integrity_text(const IntegritySummary& summary);

}  // namespace cx::detail
