#include "cx/kiosk/survey.hpp"

#include <algorithm>
#include <numeric>

namespace cx::kiosk {

std::string_view to_string(Screen screen) {
    switch (screen) {
        case Screen::Welcome:
            return "welcome";
        case Screen::Question:
            return "question";
        case Screen::IdlePrompt:
            return "idle_prompt";
        case Screen::Saving:
            return "saving";
        case Screen::ThankYou:
            return "thank_you";
        case Screen::Unavailable:
            return "unavailable";
        case Screen::Closed:
            return "closed";
    }
    return "unknown";
}

std::string_view to_string(TextSize size) {
    return size == TextSize::Large ? "large" : "normal";
}

std::vector<std::size_t> rotation_items(std::size_t item_count, std::size_t per_respondent,
                                        std::uint64_t respondent) {
    if (per_respondent == 0 || per_respondent >= item_count) {
        std::vector<std::size_t> all(item_count);
        std::iota(all.begin(), all.end(), std::size_t{0});
        return all;
    }
    std::vector<std::size_t> chosen;
    const auto first = static_cast<std::size_t>((respondent * per_respondent) % item_count);
    for (std::size_t k = 0; k < per_respondent; ++k) chosen.push_back((first + k) % item_count);
    std::sort(chosen.begin(), chosen.end());  // ask in the questionnaire's reading order
    return chosen;
}

std::size_t SurveyState::answered_count() const {
    return static_cast<std::size_t>(
        std::count_if(levels.begin(), levels.end(), [](const auto& l) { return l.has_value(); }));
}

namespace {

void go(SurveyState& state, Screen screen, SteadyTime now) {
    state.screen = screen;
    state.screen_since = now;
}

Submission make_submission(const SurveyState& state, ResponseStatus status, SteadyTime now,
                           const Questionnaire& questionnaire) {
    Submission s;
    s.status = status;
    s.lang = state.lang;
    s.started_wall = state.started_wall;
    s.duration_ms = std::chrono::duration_cast<Millis>(now - state.started).count();
    for (std::size_t i = 0; i < state.items.size(); ++i) {
        if (state.levels[i])
            s.answers.push_back({questionnaire.items[state.items[i]].id, *state.levels[i]});
    }
    return s;
}

// Leaves an open survey for the welcome screen; what was answered is kept as incomplete.
std::vector<Action> abandon(SurveyState& state, SteadyTime now,
                            const Questionnaire& questionnaire) {
    std::vector<Action> actions;
    if (state.answered_count() > 0) {
        actions.push_back(
            action::Save{make_submission(state, ResponseStatus::Incomplete, now, questionnaire)});
    }
    state = SurveyState{};
    go(state, Screen::Welcome, now);
    return actions;
}

void toggle_text_size(SurveyState& state) {
    state.text_size = state.text_size == TextSize::Large ? TextSize::Normal : TextSize::Large;
}

bool is_input(const Event& event) {
    return !std::holds_alternative<event::Tick>(event) &&
           !std::holds_alternative<event::SaveDone>(event) &&
           !std::holds_alternative<event::SaveError>(event) &&
           !std::holds_alternative<event::ProbeDone>(event) &&
           !std::holds_alternative<event::Shutdown>(event) &&
           !std::holds_alternative<event::Close>(event) &&
           !std::holds_alternative<event::Open>(event);
}

// A response could not be stored: no survey until a probe proves writing works. The
// first probe runs at once, so staff see the reason without waiting for the period.
void become_unavailable(SurveyState& state, SteadyTime now, bool answers_lost) {
    SurveyState next;
    next.lang = state.lang;  // the customer who just answered reads the notice as they chose
    next.text_size = state.text_size;
    next.answers_lost = answers_lost;
    next.next_probe = now;
    state = std::move(next);
    go(state, Screen::Unavailable, now);
}

// The earliest the unavailable screen may give way: the customer who just answered
// has read that their answers were not saved.
SteadyTime notice_end(const SurveyState& state, const SurveyTimings& timings) {
    return state.answers_lost ? state.screen_since + timings.unsaved_notice : state.screen_since;
}

std::vector<Action> on_unavailable(SurveyState& state, const Event& ev, SteadyTime now,
                                   const SurveyTimings& timings) {
    if (std::holds_alternative<event::Tick>(ev) && now >= state.next_probe) {
        state.next_probe = now + timings.probe_every;
        return {action::Probe{}};
    }
    if (const auto* probe = std::get_if<event::ProbeDone>(&ev)) {
        if (probe->writable && now >= notice_end(state, timings)) {
            state = SurveyState{};
            go(state, Screen::Welcome, now);
        } else if (probe->writable) {
            // Writing works again, but the notice is still up: prove it again when the notice ends.
            state.next_probe = notice_end(state, timings);
        }
    }
    return {};  // customers' taps and keys start nothing here
}

std::vector<Action> on_question(SurveyState& state, const Event& ev, SteadyTime now,
                                const Questionnaire& questionnaire, const SurveyTimings& timings) {
    if (const auto* answer = std::get_if<event::Answer>(&ev)) {
        if (now - state.advanced_at < timings.debounce) return {};
        state.levels[state.current] = answer->level;
        if (state.current + 1 < state.items.size()) {
            ++state.current;
            state.advanced_at = now;
            return {};
        }
        go(state, Screen::Saving, now);
        return {action::Save{make_submission(state, ResponseStatus::Complete, now, questionnaire)}};
    }
    if (std::holds_alternative<event::Back>(ev)) {
        if (now - state.advanced_at < timings.debounce) return {};  // a double tap goes back once
        if (state.current == 0) return abandon(state, now, questionnaire);
        --state.current;
        state.advanced_at = now;
        return {};
    }
    if (const auto* choice = std::get_if<event::ChooseLanguage>(&ev)) state.lang = choice->lang;
    if (std::holds_alternative<event::ToggleTextSize>(ev)) toggle_text_size(state);
    if (std::holds_alternative<event::Tick>(ev) && now - state.last_input >= timings.idle_timeout) {
        go(state, Screen::IdlePrompt, now);
    }
    return {};
}

}  // namespace

std::vector<Action> step(SurveyState& state, const Event& ev, SteadyTime now,
                         const Questionnaire& questionnaire, const SurveyTimings& timings) {
    if (is_input(ev)) state.last_input = now;
    const bool survey_open = state.screen == Screen::Question || state.screen == Screen::IdlePrompt;
    if (std::holds_alternative<event::Shutdown>(ev)) {
        return survey_open ? abandon(state, now, questionnaire) : std::vector<Action>{};
    }
    switch (state.screen) {
        case Screen::Welcome:
            // An abandoned survey's incomplete response could not be stored.
            if (std::holds_alternative<event::SaveError>(ev)) {
                become_unavailable(state, now, false);
                return {};
            }
            if (std::holds_alternative<event::Close>(ev)) {
                go(state, Screen::Closed, now);  // keeps the language and text size chosen
                return {};
            }
            if (const auto* choice = std::get_if<event::ChooseLanguage>(&ev))
                state.lang = choice->lang;
            if (std::holds_alternative<event::ToggleTextSize>(ev)) toggle_text_size(state);
            if (const auto* start = std::get_if<event::Start>(&ev);
                start && !start->items.empty()) {
                state.items = start->items;
                state.levels.assign(state.items.size(), std::nullopt);
                state.current = 0;
                state.started = now;
                state.started_wall = start->wall;
                state.advanced_at = now;  // the tap that started is not an answer
                go(state, Screen::Question, now);
            }
            return {};
        case Screen::Question:
            return on_question(state, ev, now, questionnaire, timings);
        case Screen::IdlePrompt:
            if (is_input(ev)) {
                // The touch that dismisses the prompt answers nothing.
                state.advanced_at = now;
                go(state, Screen::Question, now);
                return {};
            }
            if (now - state.screen_since >= timings.idle_grace) {
                return abandon(state, now, questionnaire);
            }
            return {};
        case Screen::Saving:
            if (std::holds_alternative<event::SaveDone>(ev)) go(state, Screen::ThankYou, now);
            if (std::holds_alternative<event::SaveError>(ev)) become_unavailable(state, now, true);
            return {};
        case Screen::ThankYou:
            if (now - state.screen_since >= timings.thank_you) {
                state = SurveyState{};
                go(state, Screen::Welcome, now);
            }
            return {};
        case Screen::Unavailable:
            // Opening hours wait too: closing or opening never skips the proof.
            return on_unavailable(state, ev, now, timings);
        case Screen::Closed:
            // Only the text size (the + key) changes here; the welcome screen comes back
            // fresh at opening time.
            if (std::holds_alternative<event::ToggleTextSize>(ev)) toggle_text_size(state);
            if (std::holds_alternative<event::Open>(ev)) {
                state = SurveyState{};
                go(state, Screen::Welcome, now);
            }
            return {};
    }
    return {};
}

bool shows_unsaved_notice(const SurveyState& state, const SurveyTimings& timings, SteadyTime now) {
    return state.screen == Screen::Unavailable && state.answers_lost &&
           now < notice_end(state, timings);
}

std::optional<SteadyTime> next_deadline(const SurveyState& state, const SurveyTimings& timings,
                                        SteadyTime now) {
    switch (state.screen) {
        case Screen::Question:
            return state.last_input + timings.idle_timeout;
        case Screen::IdlePrompt: {
            // Wake every second too: the prompt shows a countdown.
            const auto elapsed = now - state.screen_since;
            const auto next_second = state.screen_since +
                                     std::chrono::duration_cast<std::chrono::seconds>(elapsed) +
                                     std::chrono::seconds(1);
            return std::min(next_second, state.screen_since + timings.idle_grace);
        }
        case Screen::ThankYou:
            return state.screen_since + timings.thank_you;
        case Screen::Unavailable: {
            const auto notice_over = notice_end(state, timings);
            // Also wake when the notice goes, so the screen is redrawn without it.
            return notice_over > now ? std::min(state.next_probe, notice_over) : state.next_probe;
        }
        case Screen::Welcome:
        case Screen::Saving:
        case Screen::Closed:  // opening time is the opening hours' deadline, not the survey's
            return std::nullopt;
    }
    return std::nullopt;
}

std::vector<std::string> integrity_flags(const FlagInputs& in, double speeder_seconds_per_item,
                                         double burst_seconds) {
    std::vector<std::string> flags;
    if (in.status == ResponseStatus::Incomplete) {
        flags.emplace_back("incomplete");
        return flags;
    }
    const double minimum_ms = speeder_seconds_per_item * 1000.0 * static_cast<double>(in.answered);
    if (static_cast<double>(in.duration_ms) < minimum_ms) flags.emplace_back("speeder");
    if (in.previous_complete_unix_ms) {
        const auto gap_ms = in.submitted_unix_ms - *in.previous_complete_unix_ms;
        if (gap_ms >= 0 && static_cast<double>(gap_ms) < burst_seconds * 1000.0) {
            flags.emplace_back("burst");
        }
    }
    return flags;
}

}  // namespace cx::kiosk
