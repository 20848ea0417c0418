#pragma once
// The customer's survey as plain data and one transition function:
// step(state, event, now) -> actions. No window, no database, no clock of its
// own: the UI feeds events and the current steady time, and carries out the
// actions (save a response, probe whether writing works again, ...).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "cx/scoring/questionnaire.hpp"
#include "cx/scoring/response.hpp"

namespace cx::kiosk {

using SteadyTime = std::chrono::steady_clock::time_point;
using Millis = std::chrono::milliseconds;

enum class Screen {
    Welcome,
    Question,
    IdlePrompt,  // "还在吗？" while a survey is open
    Saving,      // the complete response is being committed; nothing is drawn over it
    ThankYou,
    // A response could not be stored (disk full, read-only, I/O error, ...): no new
    // survey starts until a write probe proves the next response will be kept.
    Unavailable,
    Closed,  // outside the opening hours: only "closed" and when it opens again
};
std::string_view to_string(Screen screen);

// Large text (大字模式) for customers who read small print badly: every customer
// text 1.5x, chosen on the welcome or question screen, back to normal for the next customer.
enum class TextSize { Normal, Large };
std::string_view to_string(TextSize size);

struct SurveyTimings {
    Millis idle_timeout{45'000};  // no touch on a question -> "Still there?"
    // No touch on the "Still there?" prompt -> saved as incomplete. At least 20 s
    // (WCAG 2.1 SC 2.2.1: time to respond); any touch on it resumes the survey.
    Millis idle_grace{20'000};
    Millis thank_you{5'000};  // thank-you screen, then welcome
    // The unavailable screen tells the customer who just answered that their answers
    // were not saved for this long, and stays at least this long.
    Millis unsaved_notice{15'000};
    Millis probe_every{10'000};  // while unavailable: how often the kiosk tries a write
    Millis debounce{300};        // an answer or back this soon after moving is a double tap
};

// Which items this respondent sees. Respondent n of a rotation gets the k items
// starting at n*k (cyclic, questionnaire order), so over every N respondents
// each of the N items is asked exactly k times.
std::vector<std::size_t> rotation_items(std::size_t item_count, std::size_t per_respondent,
                                        std::uint64_t respondent);

struct SurveyState {
    Screen screen = Screen::Welcome;
    Lang lang = Lang::Zh;
    TextSize text_size = TextSize::Normal;  // a fresh state (next customer) is normal again
    std::vector<std::size_t> items;         // questionnaire indices shown to this respondent
    // Per shown item: nullopt until answered, then 1..5 or kNotApplicable.
    std::vector<std::optional<int>> levels;
    std::size_t current = 0;
    SteadyTime started{};
    std::chrono::system_clock::time_point started_wall{};
    SteadyTime last_input{};
    SteadyTime advanced_at{};
    SteadyTime screen_since{};
    // Unavailable: when the next write probe is due, and whether the customer who
    // just answered lost those answers (they are told so for timings.unsaved_notice).
    SteadyTime next_probe{};
    bool answers_lost = false;

    std::size_t answered_count() const;
};

namespace event {
struct Start {
    std::vector<std::size_t> items;  // from rotation_items
    std::chrono::system_clock::time_point wall;
};
struct ChooseLanguage {
    Lang lang;
};
struct Answer {
    int level;  // 1..5 or kNotApplicable
};
struct Back {};
struct ToggleTextSize {};  // the "大字 / A+" button or the + key; welcome and question screens
struct Touch {};           // any input that is not one of the above (keeps the survey alive)
struct Tick {};            // time passed; checks deadlines
struct SaveDone {};
struct SaveError {};  // a response, complete or incomplete, could not be stored
struct ProbeDone {    // the outcome of action::Probe
    bool writable = false;
};
struct Shutdown {};  // the kiosk is stopping: an open survey is kept as incomplete
// The opening hours say closed (or open) now. Closing waits for the welcome
// screen: a survey under way is finished first, never cut off.
struct Close {};
struct Open {};
}  // namespace event

using Event =
    std::variant<event::Start, event::ChooseLanguage, event::Answer, event::Back,
                 event::ToggleTextSize, event::Touch, event::Tick, event::SaveDone,
                 event::SaveError, event::ProbeDone, event::Shutdown, event::Close, event::Open>;

// A response to commit. The store gives it id, seq and flags inside its transaction.
struct Submission {
    ResponseStatus status = ResponseStatus::Complete;
    Lang lang = Lang::Zh;
    std::chrono::system_clock::time_point started_wall{};
    std::int64_t duration_ms = 0;  // steady clock, survey start to submit
    std::vector<Answer> answers;   // questionnaire item ids; unanswered items absent
};

namespace action {
// Commit this response now. For a complete one, feed SaveDone / SaveError back
// before anything else: the thank-you screen shows only after the commit. An
// incomplete one that cannot be stored is reported as SaveError too.
struct Save {
    Submission submission;
};
// Unavailable: try a real write where responses are stored; feed ProbeDone back.
struct Probe {};
}  // namespace action
using Action = std::variant<action::Save, action::Probe>;

std::vector<Action> step(SurveyState& state, const Event& event, SteadyTime now,
                         const Questionnaire& questionnaire, const SurveyTimings& timings);

// While unavailable: whether the screen still tells the customer who just answered
// that their answers were not saved.
bool shows_unsaved_notice(const SurveyState& state, const SurveyTimings& timings, SteadyTime now);

// When the state changes by itself if nothing happens (idle prompt, return to
// welcome, a write probe); the frame loop sleeps until then.
std::optional<SteadyTime> next_deadline(const SurveyState& state, const SurveyTimings& timings,
                                        SteadyTime now);

// Integrity flags of SCORING.md §4, decided when a response is submitted.
// N/A counts as an answered item for `speeder`: it is a deliberate tap on a
// question the customer read.
struct FlagInputs {
    ResponseStatus status = ResponseStatus::Complete;
    std::int64_t duration_ms = 0;
    std::size_t answered = 0;
    std::int64_t submitted_unix_ms = 0;
    std::optional<std::int64_t> previous_complete_unix_ms;  // same device
};
std::vector<std::string> integrity_flags(const FlagInputs& inputs, double speeder_seconds_per_item,
                                         double burst_seconds);

}  // namespace cx::kiosk
