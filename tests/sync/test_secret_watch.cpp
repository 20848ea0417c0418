// The suite's secret watch (support/secret_watch.hpp) ends the test process when an
// output holds a secret it was told about, in any of the spellings it knows; the
// checks run in a forked child so the abort is observed, not suffered.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include "secret_watch.hpp"

namespace {

// How a child that runs `body` then exits 0 ended: its exit code, or 128 + signal.
int outcome_in_child(const std::function<void()>& body) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(STDERR_FILENO);  // the leak report belongs to real leaks' runs, not this check
        body();
        _exit(0);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const std::string kToken = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

}  // namespace

TEST_CASE("secret watch: an output holding a token or a code ends the process") {
    CHECK(outcome_in_child([] {
              cx::test::watch_secret("token", kToken);
              cx::test::watch_output("a log", "401 unknown token " + kToken + "\n");
          }) == 128 + SIGABRT);
    CHECK(outcome_in_child([] {
              cx::test::watch_secret("token", kToken);
              cx::test::watch_output("a log",
                                     "Bearer 0123456789ABCDEF0123456789ABCDEF"
                                     "0123456789ABCDEF0123456789ABCDEF");
          }) == 128 + SIGABRT);
    CHECK(outcome_in_child([] {
              cx::test::watch_secret("one-time enrolment code", "1234-5678-9012");
              cx::test::watch_output("a reply", "{\"error\":\"code 123456789012 expired\"}");
          }) == 128 + SIGABRT);
}

TEST_CASE("secret watch: outputs without the secrets pass, and so does one before the secret") {
    CHECK(outcome_in_child([] {
              cx::test::watch_output("add-token's stdout",
                                     kToken + "\n");  // shown once, then known
              cx::test::watch_secret("token", kToken);
              cx::test::watch_output("a log", "GET /api/v1/orgs/demo-org/score 200\n");
              cx::test::watch_output("a reply", "401 unauthorized: unknown or revoked token");
          }) == 0);
}
