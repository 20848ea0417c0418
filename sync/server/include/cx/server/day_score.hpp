#pragma once
// The score's records without re-reading them (README "Scores that do not slow
// down"): whole UTC days in the query's range come from the stored day states,
// records are read only for a partial first or last day (and for a day whose state
// is stale, which is rebuilt and put back). Backend-neutral: it needs only
// ServerStore's export walk and its day-state calls.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cx/server/day_state.hpp"
#include "cx/server/server_store.hpp"

namespace cx {

// How a query splits: whole days (`days`, when set) and the ranges of records to
// read (a partial first and/or last day; the whole query when it lies in one day).
struct DayPlan {
    std::optional<DayStateQuery> days;
    std::vector<ResponseQuery> partial;
};
// `query.from`/`to` are canonical UTC timestamps (normalize_time_bound).
DayPlan plan_days(const ResponseQuery& query);

// "YYYY-MM-DD" → the day after it.
std::string next_day(std::string_view day);

// Merges into `into` every record of `query`, as DayState::add adds them. A
// stored record the config refuses is an Internal error naming it; a store
// failure is the store's error.
Status collect_day_states(ServerStore& store, const ResponseQuery& query, DayState& into);

// The same, each site's day's records and states into the state `into_for` gives for
// that site and day ("YYYY-MM-DD"; every state of `config`): the console's organisation
// page reads the org once for its period's score, every week of its trend and the
// audit of whole chains, instead of once for each.
using DayStateFor = std::function<DayState&(std::string_view site, std::string_view day)>;
Status collect_day_states(ServerStore& store, const ResponseQuery& query,
                          const ScoringConfig& config, const DayStateFor& into_for);

}  // namespace cx
