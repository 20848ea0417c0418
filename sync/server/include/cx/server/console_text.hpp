#pragma once
// Every string the console's pages show, in Chinese and English, in one table
// (as the kiosk's ui_text): a page asks for a text in the request's language.
#include <string>
#include <string_view>

#include "cx/scoring/questionnaire.hpp"  // Lang, to_string(Lang), parse_lang

namespace cx {

// The first of zh / en an Accept-Language header names (by order, ignoring
// weights); Chinese when it names neither.
Lang lang_from_accept_language(std::string_view header);

enum class ConsoleText {
    Title,
    SignIn,
    Name,
    Password,
    SignOut,
    SignedInAs,
    WrongCredentials,
    TooManySignIns,
    Organisations,
    NoOrganisations,
    AllOrganisations,
    Organisation,
    Respondents,
    ServiceScore,
    ConfidenceInterval,
    Excluded,
    Characteristic,
    Percent,
    Points,
    MaxPoints,
    NoResponses,
    FormRejectedTitle,
    FormRejected,
    FormUnreadable,
    NotFoundTitle,
    NotFound,
    UnavailableTitle,
    Unavailable,
    RoleCertifier,
    RoleViewer,
    PeriodFrom,
    PeriodTo,
    Site,
    AllSites,
    Show,
    DefaultPeriodNote,
    BadPeriod,
    Grade,
    NoAssessment,
    Management,
    DevicesSilent,
    IntegrityProblems,
    Characteristics,
    ItemDistribution,
    WeeklyTrend,
    TrendNote,
    ExcludedByReason,
    NoneExcluded,
    Reason,
    Count,
    SitesAndDevices,
    Device,
    Status,
    RecordsInPeriod,
    RecordsTotal,
    Gaps,
    Forks,
    KeyTrust,
    DevicesNote,
    Count_,  // not a text: the number of texts
};

std::string_view text(ConsoleText id, Lang lang);
// A key of the API's JSON as people read it, followed by the key itself ("答题过快
// (speeder)"): why responses were left out of a score, a device's status and its
// reasons. A key without wording stays as it is.
std::string key_text(std::string_view key, Lang lang);

}  // namespace cx
