#include "cx/server/day_score.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include "cx/scoring/accumulator_state.hpp"

namespace cx {

namespace {

constexpr std::string_view kMidnight = "T00:00:00Z";

std::string midnight(std::string_view day) {
    return std::string(day) + std::string(kMidnight);
}

bool at_midnight(std::string_view timestamp) {
    return timestamp.substr(10) == kMidnight;
}

int number(std::string_view digits) {
    int value = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return value;
}

}  // namespace

std::string next_day(std::string_view day) {
    using namespace std::chrono;
    year_month_day date{year{number(day.substr(0, 4))},
                        month{static_cast<unsigned>(number(day.substr(5, 2)))},
                        std::chrono::day{static_cast<unsigned>(number(day.substr(8, 2)))}};
    year_month_day next{sys_days{date} + days{1}};
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(next.year()),
                  static_cast<unsigned>(next.month()), static_cast<unsigned>(next.day()));
    return text;
}

DayPlan plan_days(const ResponseQuery& query) {
    DayPlan plan;
    DayStateQuery days{query.org, query.site, std::nullopt, std::nullopt};
    std::optional<std::string> partial_first_day;
    if (query.from) {
        auto day = std::string(record_day(*query.from));
        if (at_midnight(*query.from)) {
            days.first_day = day;
        } else {
            // From mid-day to the end of that day, or to `to` when it comes first.
            days.first_day = next_day(day);
            auto end = midnight(*days.first_day);
            if (query.to && *query.to < end) end = *query.to;
            plan.partial.push_back({query.org, query.site, query.from, end});
            partial_first_day = day;
        }
    }
    if (query.to) {
        auto day = std::string(record_day(*query.to));
        days.end_day = day;
        // The start of the last day to `to`, unless the first partial range covered it.
        if (!at_midnight(*query.to) && partial_first_day != day) {
            auto start = midnight(day);
            if (query.from && *query.from > start) start = *query.from;
            plan.partial.push_back({query.org, query.site, start, query.to});
        }
    }
    if (!days.first_day || !days.end_day || *days.first_day < *days.end_day)
        plan.days = std::move(days);
    return plan;
}

namespace {

// Walks the records of `query` into `visit` parsed; remembers the first one the
// config refuses.
class RecordReader {
  public:
    explicit RecordReader(const ScoringConfig& config) : parser_({&config.questionnaire, 1}) {}

    Status walk(ServerStore& store, const ResponseQuery& query,
                const std::function<void(Response&, std::string_view server_flags)>& visit) {
        auto walked = for_each_record_with_flags(
            store, query, [&](std::string_view line, std::string_view server_flags) {
                if (auto parsed = parser_.parse(line, record_); !parsed) {
                    if (unreadable_.empty()) unreadable_ = parsed.error().message;
                    return;
                }
                visit(record_, server_flags);
            });
        if (!walked) return walked;
        if (!unreadable_.empty())
            return make_error(
                ErrorKind::Internal,
                "a stored record does not fit the server's questionnaire config: " + unreadable_);
        return Ok{};
    }

  private:
    ResponseParser parser_;
    Response record_;
    std::string unreadable_;
};

struct StaleRow {
    std::string device;
    std::int64_t version = 0;
};

// Rebuilds the stale rows of one site's day from its records, merges them into
// `into` and puts them back (unless an ingest wrote one meanwhile).
Status rebuild_site_day(ServerStore& store, const DayKey& site_day,
                        const std::vector<StaleRow>& rows, std::uint64_t fingerprint,
                        DayState& into) {
    std::map<std::string, DayState, std::less<>> rebuilt;
    for (const auto& row : rows) rebuilt.try_emplace(row.device, into.config);
    RecordReader reader(into.config);
    auto walked = reader.walk(
        store,
        {site_day.org, site_day.site, midnight(site_day.day), midnight(next_day(site_day.day))},
        [&](Response& record, std::string_view server_flags) {
            // The site's other devices' days were merged from their states.
            if (auto it = rebuilt.find(record.device); it != rebuilt.end())
                it->second.add(record, server_flags);
        });
    if (!walked) return walked;
    for (const auto& row : rows) {
        auto& state = rebuilt.at(row.device);
        DayKey key{site_day.org, site_day.site, row.device, site_day.day};
        auto put = store.replace_day_state(key, row.version, encode_day_state(state, fingerprint));
        if (!put) return put.error();
        into.merge(std::move(state));
    }
    return Ok{};
}

}  // namespace

Status collect_day_states(ServerStore& store, const ResponseQuery& query, DayState& into) {
    return collect_day_states(
        store, query, into.config,
        [&into](std::string_view, std::string_view) -> DayState& { return into; });
}

Status collect_day_states(ServerStore& store, const ResponseQuery& query,
                          const ScoringConfig& config, const DayStateFor& into_for) {
    const auto fingerprint = accumulator_fingerprint(config.questionnaire, config.policy);
    auto plan = plan_days(query);
    if (plan.days) {
        std::map<DayKey, std::vector<StaleRow>> stale;  // by site day (device left empty)
        auto read = store.for_each_day_state(*plan.days, [&](const DayStateRow& row) {
            if (merge_day_state(row.state, fingerprint, into_for(row.key.site, row.key.day)) ==
                DayStateFit::Stale)
                stale[{row.key.org, row.key.site, "", row.key.day}].push_back(
                    {row.key.device, row.version});
        });
        if (!read) return read;
        for (const auto& [site_day, rows] : stale) {
            if (auto rebuilt = rebuild_site_day(store, site_day, rows, fingerprint,
                                                into_for(site_day.site, site_day.day));
                !rebuilt)
                return rebuilt;
        }
    }
    RecordReader reader(config);
    for (const auto& range : plan.partial)
        if (auto walked = reader.walk(store, range,
                                      [&](Response& record, std::string_view server_flags) {
                                          into_for(record.site, record_day(record.submitted_at))
                                              .add(record, server_flags);
                                      });
            !walked)
            return walked;
    return Ok{};
}

}  // namespace cx
