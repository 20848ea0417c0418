#include "test_postgres_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "cx/postgres/connection.hpp"

extern char** environ;

namespace cx::test {

namespace {

// Runs `args` (as the postgres user when we are root) and waits; the exit status.
int run(std::vector<std::string> args) {
    if (::geteuid() == 0) args.insert(args.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A port nobody listens on now (the kernel's pick for a socket bound to port 0).
int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t size = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
    ::close(fd);
    return ntohs(address.sin_port);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TestPostgres& TestPostgres::shared() {
    static TestPostgres server;
    return server;
}

TestPostgres::TestPostgres() {
    if (const char* url_file = std::getenv("CX_TEST_POSTGRES_URL_FILE")) {
        std::string url = read_file(url_file);
        while (!url.empty() && url.back() == '\n') url.pop_back();
        if (url.empty())
            throw std::runtime_error(std::string("TestPostgres: no server URL in ") + url_file +
                                     " (did the postgres fixture start?)");
        base_url_ = url;
        return;
    }
    start_own_server();
}

void TestPostgres::start_own_server() {
    char pattern[] = "/tmp/cx-postgres-XXXXXX";
    if (!::mkdtemp(pattern)) throw std::runtime_error("TestPostgres: mkdtemp failed");
    dir_ = pattern;
    if (::geteuid() == 0) {
        passwd* postgres = ::getpwnam("postgres");
        if (!postgres)
            throw std::runtime_error(
                "TestPostgres: no user postgres (install postgresql: "
                "deploy/install-deps.sh --tests)");
        if (::chown(dir_.c_str(), postgres->pw_uid, postgres->pw_gid) != 0)
            throw std::runtime_error("TestPostgres: cannot chown " + dir_);
    }
    const std::string data = dir_ + "/data";
    if (run({CX_PG_BIN "/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
             "--locale=C.UTF-8", "--no-sync"}) != 0)
        throw std::runtime_error("TestPostgres: initdb into " + data + " failed");
    // A few tries: another program may take the free port before the server does.
    for (int attempt = 0; attempt < 5; ++attempt) {
        const int port = free_port();
        const std::string options = "-p " + std::to_string(port) + " -k " + dir_ +
                                    " -c listen_addresses=127.0.0.1 -c max_connections=200";
        if (run({CX_PG_BIN "/pg_ctl", "-D", data, "-l", dir_ + "/server.log", "-o", options, "-w",
                 "-t", "60", "start"}) == 0) {
            base_url_ = "postgresql://postgres@127.0.0.1:" + std::to_string(port);
            return;
        }
    }
    throw std::runtime_error("TestPostgres: pg_ctl start failed:\n" +
                             read_file(dir_ + "/server.log"));
}

TestPostgres::~TestPostgres() {
    if (dir_.empty()) return;  // the fixture's server: the fixture stops it
    // Immediate: the data is thrown away, so no shutdown checkpoint is worth waiting for.
    run({CX_PG_BIN "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-w", "-t", "60", "stop"});
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

std::string TestPostgres::url(const std::string& database) const {
    return base_url_ + "/" + database;
}

std::string TestPostgres::fresh_database() {
    const std::string name =
        "cxtest_" + std::to_string(::getpid()) + "_" + std::to_string(++databases_);
    auto admin = postgres::Connection::open(url("postgres"));
    if (!admin) throw std::runtime_error(admin.error().message);
    auto created = admin.value().exec("CREATE DATABASE " + name);
    if (!created) throw std::runtime_error(created.error().message);
    return url(name);
}

}  // namespace cx::test
