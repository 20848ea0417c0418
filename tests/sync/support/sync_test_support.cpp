// Over the ~400-line guide on purpose: every helper the sync tests share (records,
// the in-memory outbox, the real cxserver as a child process, a reply-dropping
// proxy, commands), kept together so every test starts servers the same way.
#include "sync_test_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "cx/server/server_store.hpp"
#include "secret_watch.hpp"
#include "test_postgres_server.hpp"

namespace cx::test {

Response make_unsigned_response(std::string_view org, std::string_view site,
                                std::string_view device, std::int64_t seq) {
    Response r;
    char id[40];
    // Unique per (device, seq): a hash of the device name in the first group.
    auto device_hash = static_cast<unsigned>(std::hash<std::string_view>{}(device));
    std::snprintf(id, sizeof id, "%08x-0000-4000-8000-%012llx", device_hash,
                  static_cast<unsigned long long>(seq));
    r.id = id;
    r.device = device;
    r.org = org;
    r.site = site;
    r.seq = seq;
    r.questionnaire = "tbsc134-b1";
    r.lang = seq % 3 ? Lang::Zh : Lang::En;
    r.status = ResponseStatus::Complete;
    auto submitted =
        std::chrono::sys_seconds{std::chrono::seconds{1764064800}} +  // 2025-11-25T10:00Z
        std::chrono::seconds{seq * 60};
    r.submitted_at = format_utc_timestamp(submitted);
    r.started_at = format_utc_timestamp(submitted - std::chrono::seconds{45});
    r.duration_ms = 45000;
    const char* items[] = {"1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3", "4.1",
                           "4.2", "4.3", "5.1", "5.2", "5.3", "6.1", "6.2", "6.3", "7"};
    int index = 0;
    for (const char* item : items) {
        int level = static_cast<int>((seq * 7 + index * 3) % 6);  // 0 = N/A now and then
        r.answers.push_back({item, level});
        ++index;
    }
    canonicalize(r);
    return r;
}

std::vector<PendingRecord> make_records(std::string_view org, std::string_view site,
                                        std::string_view device, std::int64_t first_seq,
                                        std::size_t count, const integrity::SigningKey& key) {
    std::vector<PendingRecord> records;
    records.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        auto response =
            make_response(org, site, device, first_seq + static_cast<std::int64_t>(i), key);
        records.push_back({response.id, to_canonical_json(response)});
    }
    return records;
}

// ---------------------------------------------------------------------------

MemoryOutbox::MemoryOutbox(std::vector<PendingRecord> records)
    : records_(std::move(records)),
      states_(records_.size(), State::Waiting),
      refusals_(records_.size()),
      waiting_(records_.size()) {
    for (std::size_t i = 0; i < records_.size(); ++i) position_[records_[i].id] = i;
}

bool MemoryOutbox::leave_waiting(const std::string& id, State to, std::size_t& position) {
    auto found = position_.find(id);
    if (found == position_.end() || states_[found->second] != State::Waiting) return false;
    position = found->second;
    states_[position] = to;
    --waiting_;
    return true;
}

std::optional<Error> MemoryOutbox::failure() const {
    if (failing_.empty()) return std::nullopt;
    return make_error(ErrorKind::Store, failing_);
}

Result<std::vector<PendingRecord>> MemoryOutbox::pending(std::size_t limit) {
    std::lock_guard lock(mutex_);
    if (auto error = failure()) return *error;
    std::vector<PendingRecord> out;
    for (std::size_t i = 0; i < records_.size() && out.size() < limit; ++i)
        if (states_[i] == State::Waiting) out.push_back(records_[i]);
    return out;
}

Status MemoryOutbox::mark_sent(std::span<const std::string> ids) {
    std::lock_guard lock(mutex_);
    if (auto error = failure()) return *error;
    ++mark_sent_calls_;
    std::size_t position;
    for (const auto& id : ids) leave_waiting(id, State::Sent, position);
    return Ok{};
}

Status MemoryOutbox::mark_refused(std::span<const RecordRefusal> refusals) {
    std::lock_guard lock(mutex_);
    if (auto error = failure()) return *error;
    std::size_t position;
    for (const auto& refusal : refusals)
        if (leave_waiting(refusal.id, State::Refused, position)) refusals_[position] = refusal;
    return Ok{};
}

Result<std::size_t> MemoryOutbox::requeue_refused() {
    std::lock_guard lock(mutex_);
    if (auto error = failure()) return *error;
    std::size_t requeued = 0;
    for (auto& state : states_)
        if (state == State::Refused) {
            state = State::Waiting;
            ++requeued;
        }
    waiting_ += requeued;
    return requeued;
}

Status MemoryOutbox::record_sync(const SyncReport& report) {
    std::lock_guard lock(mutex_);
    // The report is kept even when failing, so tests can see what the uploader said.
    reports_.push_back(report);
    if (auto error = failure()) return *error;
    return Ok{};
}

Result<std::size_t> MemoryOutbox::pending_count() {
    std::lock_guard lock(mutex_);
    if (auto error = failure()) return *error;
    return waiting_;
}

// Records in memory have no submission time: last_record_at stays unknown.
Result<OutboxHealth> MemoryOutbox::health() {
    std::lock_guard lock(mutex_);
    if (auto error = failure()) return *error;
    const auto refused = std::count(states_.begin(), states_.end(), State::Refused);
    return OutboxHealth{static_cast<std::int64_t>(waiting_), refused, std::nullopt};
}

void MemoryOutbox::add(std::vector<PendingRecord> records) {
    std::lock_guard lock(mutex_);
    waiting_ += records.size();
    states_.resize(states_.size() + records.size(), State::Waiting);
    refusals_.resize(states_.size());
    for (auto& record : records) {
        position_[record.id] = records_.size();
        records_.push_back(std::move(record));
    }
}

std::vector<SyncReport> MemoryOutbox::reports() {
    std::lock_guard lock(mutex_);
    return reports_;
}

std::size_t MemoryOutbox::mark_sent_calls() {
    std::lock_guard lock(mutex_);
    return mark_sent_calls_;
}

std::size_t MemoryOutbox::waiting() {
    std::lock_guard lock(mutex_);
    return waiting_;
}

std::vector<std::string> MemoryOutbox::sent_ids() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < records_.size(); ++i)
        if (states_[i] == State::Sent) ids.push_back(records_[i].id);
    return ids;
}

std::vector<RecordRefusal> MemoryOutbox::refused() {
    std::lock_guard lock(mutex_);
    std::vector<RecordRefusal> out;
    for (std::size_t i = 0; i < records_.size(); ++i)
        if (states_[i] == State::Refused) out.push_back(refusals_[i]);
    return out;
}

void MemoryOutbox::fail_with(std::string message) {
    std::lock_guard lock(mutex_);
    failing_ = std::move(message);
}

// ---------------------------------------------------------------------------

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "cx-sync-test-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

namespace {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

pid_t spawn(const std::vector<std::string>& argv, int stdout_fd, int stderr_fd, int stdin_fd = -1) {
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    pid_t pid = fork();
    if (pid == 0) {
        if (stdin_fd >= 0) dup2(stdin_fd, STDIN_FILENO);
        dup2(stdout_fd, STDOUT_FILENO);
        dup2(stderr_fd, STDERR_FILENO);
        execv(args[0], args.data());
        _exit(127);
    }
    return pid;
}

int wait_exit_code(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input) {
    TempDir dir;
    auto in_path = dir / "stdin";
    auto out_path = dir / "stdout";
    auto err_path = dir / "stderr";
    std::ofstream(in_path, std::ios::binary) << input;
    int in = open(in_path.c_str(), O_RDONLY | O_CLOEXEC);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    pid_t pid = spawn(argv, out, err, in);
    close(in);
    close(out);
    close(err);
    if (pid < 0) throw std::runtime_error("fork failed");
    CommandResult result;
    result.exit_code = wait_exit_code(pid);
    result.out = read_file(out_path);
    result.err = read_file(err_path);
    const std::string command = argv.size() > 1 ? argv[0] + " " + argv[1] : argv.at(0);
    watch_output(command + " (stdout)", result.out);
    watch_output(command + " (stderr)", result.err);
    return result;
}

std::string test_db_url(const TempDir& dir) {
    const char* backend = std::getenv("CX_TEST_BACKEND");
    if (backend && std::string_view(backend) == "postgresql")
        return TestPostgres::shared().fresh_database();
    if (backend && *backend && std::string_view(backend) != "sqlite")
        throw std::runtime_error("CX_TEST_BACKEND must be sqlite or postgresql, not " +
                                 std::string(backend));
    return "sqlite:" + (dir / "server.db").string();
}

namespace {

// `cxserver COMMAND --db DB_URL ARGS…`: the last line of its stdout.
std::string last_line_of(const std::string& command, const std::string& db_url,
                         const std::vector<std::string>& args) {
    std::vector<std::string> argv = {CXSERVER_PATH, command, "--db", db_url};
    argv.insert(argv.end(), args.begin(), args.end());
    auto result = run_command(argv);
    if (result.exit_code != 0) throw std::runtime_error(command + " failed: " + result.err);
    auto lines = split_lines(result.out);
    std::string secret = lines.empty() ? std::string{} : lines.back();
    watch_secret(command == "enrol-code" ? "one-time enrolment code" : "token", secret);
    return secret;
}

}  // namespace

std::string add_token(const std::string& db_url, const std::vector<std::string>& grant) {
    return last_line_of("add-token", db_url, grant);
}

std::string enrol_code(const std::string& db_url, const std::vector<std::string>& device) {
    return last_line_of("enrol-code", db_url, device);
}

// ---------------------------------------------------------------------------

ServerProcess::ServerProcess(const std::string& db_url, std::vector<std::string> extra_args,
                             int port) {
    std::string log_template =
        (std::filesystem::temp_directory_path() / "cxserver-test-XXXXXX.log").string();
    int log_fd = mkstemps(log_template.data(), 4);
    if (log_fd < 0) throw std::runtime_error("cannot create the server's log file");
    log_path_ = log_template;
    std::vector<std::string> argv = {CXSERVER_PATH, "serve",
                                     "--db",        db_url,
                                     "--listen",    "127.0.0.1:" + std::to_string(port),
                                     "--config",    CX_TEST_CONFIG_DIR};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    pid_ = spawn(argv, pipe_fds[1], log_fd);
    close(pipe_fds[1]);
    close(log_fd);
    // Read the "listening on" line, for at most 10 s.
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        pollfd fd{pipe_fds[0], POLLIN, 0};
        if (poll(&fd, 1, 100) <= 0) continue;
        char buffer[256];
        ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
        if (n <= 0) break;
        line.append(buffer, static_cast<std::size_t>(n));
    }
    close(pipe_fds[0]);
    auto at = line.rfind(':');
    if (line.find("listening on") == std::string::npos || at == std::string::npos) {
        kill_hard();
        throw std::runtime_error("cxserver did not start: " + line + log());
    }
    port_ = std::atoi(line.c_str() + at + 1);
    url_ = line.substr(line.find("listening on ") + 13);
    url_ = url_.substr(0, url_.find('\n'));
}

ServerProcess::~ServerProcess() {
    stop();
    std::error_code ignored;
    std::filesystem::remove(log_path_, ignored);
}

void ServerProcess::stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 500; ++i) {
        int status;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            watch_output("cxserver serve's log", log());
            return;
        }
        usleep(10000);
    }
    kill_hard();
}

void ServerProcess::kill_hard() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    wait_exit_code(pid_);
    pid_ = -1;
    watch_output("cxserver serve's log", log());
}

std::string ServerProcess::log() const {
    return read_file(log_path_);
}

// ---------------------------------------------------------------------------

ServerFixture::ServerFixture(std::vector<std::string> server_args) : db(test_db_url(dir)) {
    device_token = add_token(
        db, {"--role", "device", "--org", "demo-org", "--site", "hq", "--device", "kiosk-01"});
    viewer_token = add_token(db, {"--role", "viewer", "--org", "demo-org"});
    server = std::make_unique<ServerProcess>(db, std::move(server_args));
}

ClientConfig ServerFixture::client_config() const {
    ClientConfig config;
    config.server_url = server->url();
    config.token = device_token;
    config.connect_timeout = std::chrono::milliseconds{2000};
    config.total_timeout = std::chrono::milliseconds{20000};
    config.retry.base = std::chrono::milliseconds{20};
    config.retry.cap = std::chrono::milliseconds{200};
    config.retry.max_attempts = 10;
    return config;
}

std::string ServerFixture::export_with_cli() {
    auto out = dir / "export.jsonl";
    auto result = run_command(
        {CXSERVER_PATH, "export", "--db", db, "--org", "demo-org", "--out", out.string()});
    if (result.exit_code != 0) throw std::runtime_error("cxserver export failed: " + result.err);
    return read_file(out);
}

std::vector<std::string> stored_server_flags(const std::string& db_url) {
    auto store = open_store(db_url);
    if (!store) throw std::runtime_error("cannot open " + db_url + ": " + store.error().message);
    std::vector<std::string> flags;
    auto walked = for_each_record_with_flags(
        *store.value(), {"demo-org", {}, {}, {}},
        [&](std::string_view, std::string_view server_flags) { flags.emplace_back(server_flags); });
    if (!walked) throw std::runtime_error("reading server_flags: " + walked.error().message);
    return flags;
}

std::pair<std::string, std::string> id_and_device(std::string_view canonical) {
    constexpr std::string_view kId = R"({"id":")", kDevice = R"(","device":")";
    const auto id_end = canonical.find('"', kId.size());
    if (!canonical.starts_with(kId) || id_end == std::string_view::npos ||
        !canonical.substr(id_end).starts_with(kDevice))
        throw std::runtime_error("not a canonical record: " + std::string(canonical.substr(0, 80)));
    const auto device_start = id_end + kDevice.size();
    const auto device_end = canonical.find('"', device_start);
    return {std::string(canonical.substr(kId.size(), id_end - kId.size())),
            std::string(canonical.substr(device_start, device_end - device_start))};
}

std::size_t StoredIds::unique() const {
    std::size_t total = 0;
    for (const auto& [device, ids] : by_device) total += ids.size();
    return total;
}

StoredIds stored_ids(const std::string& db_url) {
    auto store = open_store(db_url);
    if (!store) throw std::runtime_error("cannot open " + db_url + ": " + store.error().message);
    StoredIds stored;
    auto walked =
        for_each_record(*store.value(), {"demo-org", {}, {}, {}}, [&](std::string_view canonical) {
            auto [id, device] = id_and_device(canonical);
            stored.by_device[device].insert(id);
            ++stored.lines;
        });
    if (!walked) throw std::runtime_error("reading records: " + walked.error().message);
    return stored;
}

std::vector<std::string> split_lines(std::string_view jsonl) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < jsonl.size()) {
        auto end = jsonl.find('\n', start);
        if (end == std::string_view::npos) end = jsonl.size();
        if (end > start) lines.emplace_back(jsonl.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

}  // namespace cx::test
