#pragma once
// No token or enrolment code in anything a program under test writes (issue 12,
// "Secrets"), checked in every test that uses this support: each secret a test is
// handed (add_token, enrol_code) and everything the programs wrote (each command's
// stdout and stderr, the server's log when it stops, every HTTP reply a client given to
// watch_replies received) meet here. A secret found in an output ends the test process
// at once, naming the secret's kind and where it was (std::abort: no test can pass
// over it). A secret can only leak after it exists, so outputs are checked against the
// secrets known when they are read and are not kept.
#include <httplib.h>

#include <string>
#include <string_view>

namespace cx::test {

void watch_secret(std::string_view kind, const std::string& secret);
void watch_output(std::string_view where, std::string_view text);
// Every reply `client` receives (status line, headers, body) goes to watch_output.
void watch_replies(httplib::Client& client);

}  // namespace cx::test
