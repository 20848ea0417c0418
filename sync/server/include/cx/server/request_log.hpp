#pragma once
// One line per request: time, method, path, status, records, milliseconds.
// Never headers or query strings (a token must never reach a log).
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace cx {

struct RequestLogEntry {
    std::string_view method;
    std::string_view path;
    int status = 0;
    std::size_t records = 0;
    double milliseconds = 0;
};

std::string format_request_log_line(std::string_view utc_time, const RequestLogEntry& entry);

class RequestLog {
  public:
    explicit RequestLog(std::FILE* sink) : sink_(sink) {}
    void write(const RequestLogEntry& entry);
    // A server event that is not a request (a failed job, a shutdown timeout).
    void note(std::string_view event);

  private:
    void emit(const std::string& line);

    std::FILE* sink_;
    std::mutex mutex_;
};

}  // namespace cx
