#pragma once
// The grade as the console shows it (an organisation's page, the assessment page,
// the report): read from the score JSON of GET …/score — its "management",
// "grade", "reasons" and "grade_warning", which cx::make_report decided exactly as
// `cxscore score --assessment` does — never computed again here.
#include <nlohmann/json.hpp>

#include "cx/scoring/questionnaire.hpp"
#include "cx/server/html_writer.hpp"

namespace cx {

// A <section> with the grade, the management points and level, the conformity
// review, the reasons for every higher grade not reached and the integrity
// warning; without an assessment, that no grade is decided.
void write_grade_section(HtmlWriter& html, Lang lang, const nlohmann::json& score);

}  // namespace cx
