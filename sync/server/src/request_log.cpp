#include "cx/server/request_log.hpp"

#include <chrono>
#include <cstdio>

#include "cx/scoring/response.hpp"

namespace cx {

std::string format_request_log_line(std::string_view utc_time, const RequestLogEntry& entry) {
    char timing[32];
    std::snprintf(timing, sizeof timing, "%.1fms", entry.milliseconds);
    std::string line;
    line.reserve(96);
    line.append(utc_time).append(" ").append(entry.method).append(" ");
    // Paths are logged as sent, minus anything that could break the one-line format.
    for (char c : entry.path) line.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
    line.append(" ").append(std::to_string(entry.status));
    line.append(" records=").append(std::to_string(entry.records));
    line.append(" ").append(timing).append("\n");
    return line;
}

void RequestLog::write(const RequestLogEntry& entry) {
    auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    emit(format_request_log_line(format_utc_timestamp(now), entry));
}

void RequestLog::note(std::string_view event) {
    auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    std::string line = format_utc_timestamp(now) + " server: ";
    for (char c : event) line.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
    line.push_back('\n');
    emit(line);
}

void RequestLog::emit(const std::string& line) {
    std::lock_guard lock(mutex_);
    std::fwrite(line.data(), 1, line.size(), sink_);
    std::fflush(sink_);
}

}  // namespace cx
