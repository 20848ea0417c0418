#pragma once
// The strings of the console's assessment, grade and report pages in Chinese and
// English, in one table of their own beside console_text.hpp's.
#include <string_view>

#include "cx/scoring/questionnaire.hpp"  // Lang

namespace cx {

enum class AssessText {
    AssessmentTitle,
    LevelsLegend,
    Requirement,
    Points,
    ConformityReview,
    Passed,
    Failed,
    Auditor,
    Date,
    Notes,
    Save,
    Saved,
    FormHasProblem,
    History,
    NoHistory,
    SavedBy,
    SavedAt,
    ManagementTotal,
    ManagementLevel,
    GradeTitle,
    Grade,
    NoGrade,
    NoAssessment,
    NotReached,
    Required,
    Actual,
    ConditionServiceScore,
    ConditionManagementLevel,
    ConditionConformity,
    IntegrityWarning,
    EnterAssessment,
    CertifierOnly,
    Report,
    Period,
    Site,
    AllSites,
    PolicyVersion,
    SampleSize,
    Printed,
    IntegrityIntact,
    ManagementAssessment,
    Show,
    Level,
    ExportJsonl,
    ExportCsv,
    ExportXlsx,
    Count_
};

std::string_view text(AssessText id, Lang lang);

}  // namespace cx
