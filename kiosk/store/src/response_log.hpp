#pragma once
// The response log: appends a response (id, the device's next seq, integrity
// flags, canonical record and its answers) in one transaction, counts, and
// pages through the records with their upload state.
#include <chrono>
#include <cstdint>
#include <vector>

#include "cx/kiosk/store.hpp"
#include "cx/sqlite/statement.hpp"

namespace cx::kiosk {

class ResponseLog {
  public:
    explicit ResponseLog(sqlite::Connection& db);
    Status prepared() const;

    Result<Response> append(const Submission& submission, const StoreIdentity& identity,
                            const ScoringPolicy& policy,
                            std::chrono::system_clock::time_point submitted);
    Result<StoreCounts> counts(const DayBounds& bounds);
    Result<std::vector<LoggedRecord>> next_records(std::int64_t& cursor, std::size_t limit);

  private:
    Result<std::int64_t> next_seq(const std::string& device);
    Result<std::optional<std::int64_t>> last_complete_ms(const std::string& device);
    Status insert(const Response& response, std::int64_t submitted_ms, const std::string& record);

    sqlite::Connection& db_;
    sqlite::Statement last_seq_;
    sqlite::Statement last_complete_;
    sqlite::Statement insert_response_;
    sqlite::Statement insert_answer_;
    sqlite::Statement counts_;
    sqlite::Statement page_;
};

}  // namespace cx::kiosk
