#pragma once
// The console's management assessment form (README "The certifier's console"): the
// 21 requirements of 附录2/3 with levels 1–5, the conformity review, auditor, date
// and notes. The form is never validated here: its fields become the document
// `cxscore score --assessment` reads, which the server checks and saves by the same
// code as PUT …/assessment. The document has one key per line, so the line of the
// parser's error names the form field it is about.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cx/scoring/questionnaire.hpp"
#include "cx/scoring/scoring.hpp"
#include "cx/server/form_data.hpp"
#include "cx/server/html_writer.hpp"
#include "cx/server/server_store.hpp"

namespace cx {

// The form's field names: "level-1.1" … for the requirements, then these.
inline constexpr std::string_view kConformityField = "conformity";  // "yes" / "no"
inline constexpr std::string_view kAuditorField = "auditor";
inline constexpr std::string_view kDateField = "date";
inline constexpr std::string_view kNotesField = "notes";
std::string level_field(std::string_view requirement_id);

// What the form shows in its fields: as entered (kept after an error) or as saved.
using AssessmentFormValues = std::map<std::string, std::string, std::less<>>;

struct AssessmentDocument {
    std::string json;                      // what PUT …/assessment takes
    std::vector<std::string> line_fields;  // [line - 1]: the form field that line holds
    // The form field an error at `line` is about; "" for the document as a whole.
    std::string field_at(int line) const;
};

// The document `form` makes for `org`: a level that is not a small number, a
// conformity that is neither yes nor no, goes in as text or null for the parser to
// refuse at its line.
AssessmentDocument assessment_document(const FormData& form, std::string_view org,
                                       const ManagementScheme& scheme);

AssessmentFormValues form_values(const FormData& form);
// A saved assessment's fields, to pre-fill the form with the one that counts.
AssessmentFormValues form_values(const Assessment& assessment, const ManagementScheme& scheme);

struct FieldProblem {
    std::string field;  // "" when no one field is to blame
    std::string message;
};

// The form (posted to `action`), `problem` shown beside its field.
void write_assessment_form(HtmlWriter& html, Lang lang, const ManagementScheme& scheme,
                           const AssessmentFormValues& values,
                           const std::optional<FieldProblem>& problem, std::string_view csrf,
                           std::string_view action);

// Who saved which assessment when, newest first, and what it rated.
void write_assessment_history(HtmlWriter& html, Lang lang,
                              const std::vector<SavedAssessment>& history);

}  // namespace cx
