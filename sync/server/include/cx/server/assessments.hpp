#pragma once
// The management assessment on the server (sync/PROTOCOL.md "Management
// assessment"): a document in exactly the format `cxscore score --assessment`
// reads, checked by the same parser, saved with who and when; every save is kept
// and the newest counts. The JSON of the assessment endpoints and of the scheme
// (GET /api/v1/management) is written here.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cx/scoring/policy.hpp"
#include "cx/scoring/scoring.hpp"
#include "cx/server/actor.hpp"
#include "cx/server/server_store.hpp"

namespace cx {

// How many saves GET …/assessment/history lists (the newest).
inline constexpr std::size_t kAssessmentHistoryLimit = 1000;

// `document` for `org` as parsed, or why it is refused (an Invalid error with the
// line of the offending key, as cxscore prints it). A document naming another org
// is refused at its "org" line.
Result<Assessment> check_assessment(std::string_view document, std::string_view org,
                                    const ManagementScheme& scheme);

// The row that saves `assessment` (parsed from `document`) as `actor` at `saved_at`.
SavedAssessment saved_assessment(const Assessment& assessment, std::string_view document,
                                 const Actor& actor, std::string_view saved_at,
                                 const ManagementScheme& scheme);

// The assessment that counts for `org`, parsed again from its saved document under
// today's scheme: what the score endpoint grades with. nullopt when none was saved.
Result<std::optional<Assessment>> current_assessment(ServerStore& store, std::string_view org,
                                                     const ManagementScheme& scheme);

// {"id", "org", "saved_by", "saved_at", "auditor", "date", "notes", "conformity_passed",
//  "levels", "management": {"total", "max", "level"}} and, with `document`, the
// document as sent.
std::string assessment_json(const SavedAssessment& saved, const ManagementScheme& scheme,
                            bool with_document);
// {"org", "assessments": [each as assessment_json without the document]}, newest first.
std::string assessment_history_json(std::string_view org,
                                    const std::vector<SavedAssessment>& history,
                                    const ManagementScheme& scheme);
// The 21 requirements with their names, maxima and each level's description, and the
// bands of the management level: what an assessment form shows.
std::string management_scheme_json(const ManagementScheme& scheme);

}  // namespace cx
