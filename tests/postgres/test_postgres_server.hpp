#pragma once
// A real PostgreSQL 15 for the tests, started by the tests themselves. Under
// ctest one server serves the whole run (the "postgres" fixture,
// postgres_fixture.sh, whose base URL the tests find through
// CX_TEST_POSTGRES_URL_FILE); a test program run alone starts its own: initdb
// into a temporary folder (as the `postgres` user when the tests run as root,
// since PostgreSQL refuses to run as root), pg_ctl on a free port on 127.0.0.1
// only, stopped (the folder removed) when the program ends. Each test gets a
// database of its own from fresh_database().
#include <string>

namespace cx::test {

class TestPostgres {
  public:
    // The server of this test program, started on first use. A failure to start
    // fails the test with pg_ctl's log (never skips).
    static TestPostgres& shared();

    TestPostgres(const TestPostgres&) = delete;
    TestPostgres& operator=(const TestPostgres&) = delete;
    ~TestPostgres();

    // A new, empty database: its connection URL (postgresql://postgres@127.0.0.1:PORT/NAME).
    std::string fresh_database();
    std::string url(const std::string& database) const;

  private:
    TestPostgres();
    void start_own_server();
    std::string dir_;       // of the server this program started; empty for the fixture's
    std::string base_url_;  // postgresql://postgres@127.0.0.1:PORT
    int databases_ = 0;
};

}  // namespace cx::test
