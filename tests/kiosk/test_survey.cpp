// The survey state machine without a window: flow, debounce, back, N/A,
// idle prompt and abandonment, rotation balance, integrity flags.
#include <catch2/catch.hpp>
#include <functional>
#include <map>

#include "cx/config/config_files.hpp"
#include "cx/kiosk/survey.hpp"
#include "kiosk_test_support.hpp"

using namespace cx;
using namespace cx::kiosk;
using namespace std::chrono_literals;

namespace {

const Questionnaire& questionnaire() {
    return test::shipped_config().questionnaire;
}

// Drives a SurveyState with a fake steady clock.
struct Driver {
    SurveyState state;
    SurveyTimings timings;
    SteadyTime now{std::chrono::hours(1)};
    std::vector<Submission> saved;

    // Whether the store takes responses and the write probe passes.
    bool writable = true;
    int probes = 0;

    void send(const Event& event) {
        for (auto& action : step(state, event, now, questionnaire(), timings)) {
            if (std::holds_alternative<action::Probe>(action)) {
                ++probes;
                step(state, event::ProbeDone{writable}, now, questionnaire(), timings);
                continue;
            }
            const auto& submission = std::get<action::Save>(action).submission;
            if (writable) saved.push_back(submission);
            if (!writable) {
                step(state, event::SaveError{}, now, questionnaire(), timings);
            } else if (submission.status == ResponseStatus::Complete) {
                step(state, event::SaveDone{}, now, questionnaire(), timings);
            }
        }
    }
    void wait(Millis ms) {
        now += ms;
        send(event::Tick{});
    }
    void start(std::size_t per_respondent = 0, std::uint64_t respondent = 0) {
        send(event::Start{rotation_items(questionnaire().items.size(), per_respondent, respondent),
                          {}});
    }
    void answer(int level) {
        now += 400ms;
        send(event::Answer{level});
    }
};

}  // namespace

TEST_CASE("a full survey answers every item in order and saves once, complete") {
    Driver d;
    CHECK(d.state.screen == Screen::Welcome);
    d.send(event::ChooseLanguage{Lang::En});
    d.start();
    REQUIRE(d.state.screen == Screen::Question);
    for (int i = 0; i < 19; ++i) d.answer(i % 2 == 0 ? 5 : kNotApplicable);
    REQUIRE(d.saved.size() == 1);
    const auto& s = d.saved[0];
    CHECK(s.status == ResponseStatus::Complete);
    CHECK(s.lang == Lang::En);
    REQUIRE(s.answers.size() == 19);
    CHECK(s.answers[0].item == "1.1");
    CHECK(s.answers[0].level == 5);
    CHECK(s.answers[1].level == kNotApplicable);
    CHECK(s.answers[18].item == "7");
    CHECK(s.duration_ms == 19 * 400);
    CHECK(d.state.screen == Screen::ThankYou);
    d.wait(4900ms);
    CHECK(d.state.screen == Screen::ThankYou);
    d.wait(200ms);
    CHECK(d.state.screen == Screen::Welcome);
    CHECK(d.state.lang == Lang::Zh);  // the next customer starts in the default language
}

TEST_CASE("a second tap within the debounce of advancing is not an answer") {
    Driver d;
    d.start();
    d.now += 100ms;
    d.send(event::Answer{1});  // the finger that pressed start
    CHECK(d.state.current == 0);
    d.answer(4);
    CHECK(d.state.current == 1);
    d.now += 250ms;
    d.send(event::Answer{2});  // double tap
    CHECK(d.state.current == 1);
    CHECK_FALSE(d.state.levels[1].has_value());
    d.now += 60ms;
    d.send(event::Answer{2});
    CHECK(d.state.current == 2);
    d.now += 400ms;
    d.send(event::Back{});
    d.now += 100ms;
    d.send(event::Back{});  // double tap on back: one step
    CHECK(d.state.current == 1);
}

TEST_CASE("back returns to the previous item keeping its answer, back on the first leaves") {
    Driver d;
    d.start();
    d.answer(3);
    d.answer(4);
    d.now += 400ms;
    d.send(event::Back{});
    CHECK(d.state.current == 1);
    CHECK(d.state.levels[1] == 4);
    d.now += 400ms;
    d.send(event::Back{});
    CHECK(d.state.current == 0);
    d.answer(1);  // a changed answer replaces the old one
    CHECK(d.state.levels[0] == 1);
    d.now += 400ms;
    d.send(event::Back{});
    d.now += 400ms;
    d.send(event::Back{});
    CHECK(d.state.screen == Screen::Welcome);
    REQUIRE(d.saved.size() == 1);  // what was answered is kept, as incomplete
    CHECK(d.saved[0].status == ResponseStatus::Incomplete);
    CHECK(d.saved[0].answers.size() == 2);
}

TEST_CASE("idle: prompt after the timeout, a touch resumes, silence saves incomplete") {
    Driver d;
    d.timings.idle_timeout = 45s;
    d.start();
    d.answer(5);
    d.answer(4);
    d.wait(44s);
    CHECK(d.state.screen == Screen::Question);
    d.wait(1s);
    REQUIRE(d.state.screen == Screen::IdlePrompt);
    d.now += 3s;
    d.send(event::Answer{2});  // the touch that wakes it answers nothing
    CHECK(d.state.screen == Screen::Question);
    CHECK(d.state.current == 2);
    CHECK_FALSE(d.state.levels[2].has_value());
    d.wait(45s);
    REQUIRE(d.state.screen == Screen::IdlePrompt);
    CHECK(d.timings.idle_grace >= 20s);  // WCAG 2.2.1: time to respond
    d.wait(19s);
    CHECK(d.state.screen == Screen::IdlePrompt);
    CHECK(d.saved.empty());
    d.wait(1s);
    CHECK(d.state.screen == Screen::Welcome);
    REQUIRE(d.saved.size() == 1);
    CHECK(d.saved[0].status == ResponseStatus::Incomplete);
    CHECK(d.saved[0].answers.size() == 2);  // unanswered items are absent
}

TEST_CASE("idle with nothing answered returns to welcome without a record") {
    Driver d;
    d.start();
    d.wait(45s);
    d.wait(20s);
    CHECK(d.state.screen == Screen::Welcome);
    CHECK(d.saved.empty());
}

TEST_CASE("the next deadline is what the frame loop sleeps until") {
    Driver d;
    CHECK_FALSE(next_deadline(d.state, d.timings, d.now).has_value());
    d.start();
    CHECK(next_deadline(d.state, d.timings, d.now) == d.now + d.timings.idle_timeout);
    d.wait(d.timings.idle_timeout);
    REQUIRE(d.state.screen == Screen::IdlePrompt);
    CHECK(next_deadline(d.state, d.timings, d.now + 2500ms) == d.now + 3s);  // countdown tick
}

TEST_CASE("a failed save makes the survey unavailable, not thank-you") {
    SurveyState state;
    SurveyTimings timings;
    SteadyTime now{};
    step(state, event::Start{{0}, {}}, now, questionnaire(), timings);
    now += 1s;
    auto actions = step(state, event::Answer{3}, now, questionnaire(), timings);
    REQUIRE(actions.size() == 1);
    CHECK(state.screen == Screen::Saving);
    step(state, event::SaveError{}, now, questionnaire(), timings);
    CHECK(state.screen == Screen::Unavailable);
    CHECK(shows_unsaved_notice(state, timings, now));
}

TEST_CASE("unavailable: probes at once and then periodically, starts no survey") {
    Driver d;
    d.send(event::ChooseLanguage{Lang::En});
    d.start(2);
    d.answer(4);
    d.writable = false;  // the disk fills while the customer answers
    d.answer(5);
    CHECK(d.saved.empty());
    REQUIRE(d.state.screen == Screen::Unavailable);
    CHECK(d.state.lang == Lang::En);  // the notice in the language the customer chose
    d.send(event::Tick{});
    CHECK(d.probes == 1);  // the first probe at once: staff see the reason straight away
    d.send(event::Tick{});
    CHECK(d.probes == 1);  // not again before the period
    CHECK(next_deadline(d.state, d.timings, d.now) == d.now + d.timings.probe_every);
    // Taps, keys, a start or closing time change nothing: no customer answers in vain.
    d.send(event::Start{{0, 1}, {}});
    d.send(event::Answer{3});
    d.send(event::Touch{});
    d.send(event::Close{});
    CHECK(d.state.screen == Screen::Unavailable);
    for (int i = 0; i < 6; ++i) d.wait(d.timings.probe_every);
    CHECK(d.probes == 7);
    CHECK(d.state.screen == Screen::Unavailable);
    CHECK_FALSE(shows_unsaved_notice(d.state, d.timings, d.now));  // the next customer's screen
    d.writable = true;                                             // space returns
    d.wait(d.timings.probe_every);
    CHECK(d.state.screen == Screen::Welcome);
    CHECK(d.state.lang == Lang::Zh);  // a fresh welcome for the next customer
    d.start(2);
    d.answer(3);
    d.answer(3);
    REQUIRE(d.saved.size() == 1);
    CHECK(d.state.screen == Screen::ThankYou);
}

TEST_CASE("unavailable: the customer who just answered reads the notice for its full time") {
    Driver d;
    d.start(1);
    d.writable = false;
    d.answer(2);
    REQUIRE(d.state.screen == Screen::Unavailable);
    const auto entered = d.now;
    CHECK(next_deadline(d.state, d.timings, d.now) == d.now);  // the first probe
    d.writable = true;  // writing works again at once (a lock released, space freed)
    d.send(event::Tick{});
    CHECK(d.state.screen == Screen::Unavailable);  // the notice stays up
    CHECK(shows_unsaved_notice(d.state, d.timings, d.now));
    // The next wake-up is the notice's end, where writing is proven once more.
    CHECK(next_deadline(d.state, d.timings, d.now) == entered + d.timings.unsaved_notice);
    d.wait(d.timings.unsaved_notice - 1ms);
    CHECK(d.state.screen == Screen::Unavailable);
    d.wait(1ms);
    CHECK(d.state.screen == Screen::Welcome);
    CHECK(d.probes == 2);
}

TEST_CASE("unavailable: an abandoned survey that cannot be stored has no notice to read") {
    Driver d;
    d.start();
    d.answer(3);
    d.writable = false;
    d.wait(d.timings.idle_timeout);
    d.wait(d.timings.idle_grace);  // saved as incomplete: it fails
    REQUIRE(d.state.screen == Screen::Unavailable);
    CHECK_FALSE(shows_unsaved_notice(d.state, d.timings, d.now));
    d.writable = true;
    d.send(event::Tick{});
    CHECK(d.state.screen == Screen::Welcome);  // nobody to tell: back at the first passing probe
    CHECK(d.probes == 1);
}

TEST_CASE("rotation asks every item equally often") {
    const std::size_t n = 19;
    for (std::size_t k : {1u, 5u, 7u, 18u}) {
        std::map<std::size_t, int> asked;
        for (std::uint64_t r = 0; r < n * 3; ++r) {
            const auto items = rotation_items(n, k, r);
            REQUIRE(items.size() == k);
            REQUIRE(std::is_sorted(items.begin(), items.end()));
            for (auto i : items) ++asked[i];
        }
        REQUIRE(asked.size() == n);
        for (const auto& [item, count] : asked) CHECK(count == static_cast<int>(3 * k));
    }
    CHECK(rotation_items(n, 0, 5).size() == n);   // default: all
    CHECK(rotation_items(n, 25, 5).size() == n);  // more than there are: all
}

TEST_CASE("short form: items not shown are absent from the submission") {
    Driver d;
    d.start(5, 1);
    REQUIRE(d.state.items == std::vector<std::size_t>{5, 6, 7, 8, 9});
    for (int i = 0; i < 5; ++i) d.answer(3);
    REQUIRE(d.saved.size() == 1);
    CHECK(d.saved[0].answers.size() == 5);
    CHECK(d.saved[0].answers[0].item == questionnaire().items[5].id);
}

TEST_CASE("integrity flags: speeder, burst, incomplete") {
    FlagInputs in;
    in.answered = 19;
    in.duration_ms = 18'999;
    in.submitted_unix_ms = 1'000'000;
    CHECK(integrity_flags(in, 1.0, 10) == std::vector<std::string>{"speeder"});
    in.duration_ms = 19'000;
    CHECK(integrity_flags(in, 1.0, 10).empty());
    in.previous_complete_unix_ms = 1'000'000 - 9'999;
    CHECK(integrity_flags(in, 1.0, 10) == std::vector<std::string>{"burst"});
    in.previous_complete_unix_ms = 1'000'000 - 10'000;
    CHECK(integrity_flags(in, 1.0, 10).empty());
    in.status = ResponseStatus::Incomplete;
    in.duration_ms = 1;
    CHECK(integrity_flags(in, 1.0, 10) == std::vector<std::string>{"incomplete"});
}

TEST_CASE("shutdown keeps an open survey as incomplete, and does nothing otherwise") {
    Driver d;
    d.send(event::Shutdown{});
    CHECK(d.saved.empty());
    d.start();
    d.answer(2);
    d.send(event::Shutdown{});
    REQUIRE(d.saved.size() == 1);
    CHECK(d.saved[0].status == ResponseStatus::Incomplete);
    CHECK(d.state.screen == Screen::Welcome);
}

TEST_CASE("large text: toggled on welcome and question, kept through the survey") {
    Driver d;
    CHECK(d.state.text_size == TextSize::Normal);
    d.send(event::ToggleTextSize{});
    CHECK(d.state.text_size == TextSize::Large);
    d.start();
    REQUIRE(d.state.screen == Screen::Question);
    CHECK(d.state.text_size == TextSize::Large);  // the customer who chose it keeps it
    d.answer(4);
    d.now += 400ms;
    d.send(event::ToggleTextSize{});
    CHECK(d.state.text_size == TextSize::Normal);
    d.send(event::ToggleTextSize{});
    CHECK(d.state.text_size == TextSize::Large);
    CHECK(d.state.current == 1);  // toggling answers nothing and keeps the place
    CHECK_FALSE(d.state.levels[1].has_value());
}

TEST_CASE("large text: a touch that wakes the idle prompt does not toggle it") {
    Driver d;
    d.start();
    d.send(event::ToggleTextSize{});
    d.wait(45s);
    REQUIRE(d.state.screen == Screen::IdlePrompt);
    d.send(event::ToggleTextSize{});
    CHECK(d.state.screen == Screen::Question);
    CHECK(d.state.text_size == TextSize::Large);
}

TEST_CASE("large text: the next customer starts at the normal size") {
    // Each way a survey ends, up to the last screen its customer sees; returns how long
    // that screen stays before the welcome screen.
    const std::vector<std::pair<const char*, std::function<Millis(Driver&)>>> endings{
        {"thank-you",
         [](Driver& d) {
             d.start(2);
             d.answer(5);
             d.answer(5);
             return d.timings.thank_you;
         }},
        {"idle reset",
         [](Driver& d) {
             d.start();
             d.answer(3);
             d.wait(d.timings.idle_timeout);
             return d.timings.idle_grace;
         }},
        {"unavailable screen",
         [](Driver& d) {
             d.start(1);
             d.writable = false;
             d.answer(2);
             d.writable = true;  // the next probe after the notice passes
             return d.timings.unsaved_notice;
         }},
    };
    for (const auto& [name, end_survey] : endings) {
        INFO(name);
        Driver d;
        d.send(event::ToggleTextSize{});
        const Millis shown_for = end_survey(d);
        CHECK(d.state.screen != Screen::Welcome);
        CHECK(d.state.text_size == TextSize::Large);  // the last screen is still theirs
        d.wait(shown_for);
        CHECK(d.state.screen == Screen::Welcome);
        CHECK(d.state.text_size == TextSize::Normal);
    }
}

TEST_CASE("closing time waits for the survey under way, opening time brings the welcome back") {
    Driver d;
    d.start(2);
    d.send(event::Close{});  // closing time, mid-survey: nothing changes for the customer
    CHECK(d.state.screen == Screen::Question);
    d.answer(4);
    d.send(event::Close{});
    d.answer(5);
    REQUIRE(d.saved.size() == 1);
    CHECK(d.saved[0].status == ResponseStatus::Complete);
    CHECK(d.state.screen == Screen::ThankYou);
    d.send(event::Close{});
    CHECK(d.state.screen == Screen::ThankYou);
    d.wait(d.timings.thank_you);
    REQUIRE(d.state.screen == Screen::Welcome);
    d.send(event::Close{});  // back at the welcome screen: now it closes
    REQUIRE(d.state.screen == Screen::Closed);
    CHECK_FALSE(next_deadline(d.state, d.timings, d.now));  // no redraw timer while closed

    // Closed: taps and keys start nothing; + still changes the text size.
    d.start();
    d.send(event::Answer{3});
    d.send(event::Touch{});
    d.send(event::ToggleTextSize{});
    CHECK(d.state.screen == Screen::Closed);
    CHECK(d.state.text_size == TextSize::Large);
    d.send(event::Shutdown{});
    CHECK(d.saved.size() == 1);

    d.send(event::Open{});  // opening time: a fresh welcome screen for the next customer
    CHECK(d.state.screen == Screen::Welcome);
    CHECK(d.state.text_size == TextSize::Normal);
    CHECK(d.state.screen_since == d.now);
}

TEST_CASE("an idle survey at closing time is abandoned as usual, then the kiosk closes") {
    Driver d;
    d.start();
    d.answer(2);
    d.send(event::Close{});
    d.wait(d.timings.idle_timeout);
    CHECK(d.state.screen == Screen::IdlePrompt);
    d.wait(d.timings.idle_grace);
    REQUIRE(d.state.screen == Screen::Welcome);
    REQUIRE(d.saved.size() == 1);
    CHECK(d.saved[0].status == ResponseStatus::Incomplete);
    d.send(event::Close{});
    CHECK(d.state.screen == Screen::Closed);
}
