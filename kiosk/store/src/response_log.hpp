#pragma once
// The response log: appends a response (id, the device's next seq, integrity
// flags, the device key's seal, canonical record and its answers) in one
// transaction, counts, and pages through the records with their upload state.
#include <chrono>
#include <cstdint>
#include <vector>

#include "cx/integrity/seal.hpp"
#include "cx/kiosk/store.hpp"
#include "cx/sqlite/statement.hpp"

namespace cx::kiosk {

class ResponseLog {
  public:
    ResponseLog(sqlite::Connection& db, const integrity::SigningKey& key);
    Status prepared() const;
    // Invalid when the newest record is sealed by another key than the store's: the key
    // file was replaced, and one store holds one chain per device.
    Status check_key();

    Result<Response> append(const Submission& submission, const StoreIdentity& identity,
                            const ScoringPolicy& policy,
                            std::chrono::system_clock::time_point submitted);
    Result<StoreCounts> counts(const DayBounds& bounds);
    Result<std::vector<LoggedRecord>> next_records(std::int64_t& cursor, std::size_t limit);
    Result<ChainHead> chain_head(const std::string& device);

  private:
    Result<std::optional<std::int64_t>> last_complete_ms(const std::string& device);
    Status insert(const Response& response, std::int64_t submitted_ms, const std::string& record,
                  const std::string& record_hash);

    sqlite::Connection& db_;
    const integrity::SigningKey& key_;
    sqlite::Statement head_;
    sqlite::Statement newest_key_;
    sqlite::Statement last_complete_;
    sqlite::Statement insert_response_;
    sqlite::Statement insert_answer_;
    sqlite::Statement counts_;
    sqlite::Statement page_;
};

}  // namespace cx::kiosk
