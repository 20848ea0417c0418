#pragma once
// The integrity checks over a stream of records, as `cxscore score` and
// `cxscore verify` run them: each record's seal against its device's keys when
// they are known, and the chain of every record whose seal is accepted. One per
// thread, merged at the end, like the ScoreAccumulator beside it.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cx/integrity/chain_audit.hpp"
#include "cx/integrity/device_keys.hpp"

namespace cx::integrity {

class RecordIntegrity {
  public:
    // Without `keys` signatures are not checked: every sealed record joins its chain
    // and none is left out. `keys` must outlive this object.
    explicit RecordIntegrity(const DeviceKeys* keys = nullptr);
    const DeviceKeys* keys() const { return keys_; }

    // Checks `record` (at `line` of its file) and adds it to its chain when its seal is
    // accepted. False when the record must be left out of the score.
    bool admit(const Response& record, std::int64_t line);

    // The rejected seals found since the last call, with the lines given to admit
    // (a reader that numbers lines per block makes them absolute, then add_problems).
    std::vector<IntegrityProblem> take_problems();
    void add_problems(std::vector<IntegrityProblem> problems);
    // Takes over `other`'s chains and counts (take its problems first).
    void merge(RecordIntegrity&& other);

    // Whether there is anything to report: signatures were checked or a record was sealed.
    bool checked_anything() const { return keys_ != nullptr || chained_records_ > 0; }
    // `start`: whole chains (verify) or a window of them (a score), see ChainAudit::report.
    IntegritySummary summary(ChainStart start = ChainStart::SeqOne) const;
    // Every bad or missing seq, by device, key and seq: the rejected seals, then the
    // chains' gaps ("missing"), forks and broken links. A seq held only by a record with
    // a rejected seal is named for its seal, not as missing too.
    std::vector<IntegrityProblem> problems(const IntegritySummary& summary) const;

  private:
    void add_problem(IntegrityProblem problem);

    const DeviceKeys* keys_;
    ChainAudit chains_;
    std::int64_t chained_records_ = 0;
    std::map<std::string, std::int64_t> excluded_;
    // Consecutive seqs of one device, key and reason are kept as one range, so that a
    // file under a wrong key costs one entry per run, not one per record.
    std::vector<IntegrityProblem> problems_;
};

}  // namespace cx::integrity
