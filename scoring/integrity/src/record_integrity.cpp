#include "cx/integrity/record_integrity.hpp"

#include <algorithm>
#include <tuple>

namespace cx::integrity {

namespace {

bool extends(const IntegrityProblem& run, const IntegrityProblem& next) {
    return run.device == next.device && run.key == next.key && run.reason == next.reason &&
           run.seqs.last + 1 == next.seqs.first;
}

bool before(const IntegrityProblem& a, const IntegrityProblem& b) {
    return std::tie(a.device, a.key, a.seqs.first, a.seqs.last, a.reason) <
           std::tie(b.device, b.key, b.seqs.first, b.seqs.last, b.reason);
}

// `gap` without the seqs in `covered` (sorted by first seq).
std::vector<SeqRange> uncovered(SeqRange gap, const std::vector<SeqRange>& covered) {
    std::vector<SeqRange> left;
    for (const auto& range : covered) {
        if (range.last < gap.first || range.first > gap.last) continue;
        if (range.first > gap.first) left.push_back({gap.first, range.first - 1});
        gap.first = range.last + 1;
        if (gap.first > gap.last) return left;
    }
    left.push_back(gap);
    return left;
}

}  // namespace

RecordIntegrity::RecordIntegrity(const DeviceKeys* keys) : keys_(keys) {}

bool RecordIntegrity::admit(const Response& record, std::int64_t line) {
    if (keys_) {
        auto check = keys_->check(record);
        if (check != KeyCheck::Valid) {
            auto reason = std::string(to_string(check));
            ++excluded_[reason];
            add_problem(
                {record.device, record.key, {record.seq, record.seq}, std::move(reason), line});
            return false;
        }
    }
    if (record.is_signed()) {
        chains_.add(record);
        ++chained_records_;
    }
    return true;
}

void RecordIntegrity::add_problem(IntegrityProblem problem) {
    if (!problems_.empty() && extends(problems_.back(), problem))
        problems_.back().seqs.last = problem.seqs.last;
    else
        problems_.push_back(std::move(problem));
}

std::vector<IntegrityProblem> RecordIntegrity::take_problems() {
    std::vector<IntegrityProblem> taken;
    taken.swap(problems_);
    return taken;
}

void RecordIntegrity::add_problems(std::vector<IntegrityProblem> problems) {
    for (auto& problem : problems) add_problem(std::move(problem));
}

void RecordIntegrity::merge(RecordIntegrity&& other) {
    chains_.merge(std::move(other.chains_));
    chained_records_ += other.chained_records_;
    for (const auto& [reason, count] : other.excluded_) excluded_[reason] += count;
    other.excluded_.clear();
    add_problems(other.take_problems());
}

IntegritySummary RecordIntegrity::summary(ChainStart start) const {
    IntegritySummary summary;
    summary.signatures_checked = keys_ != nullptr;
    summary.devices = chains_.report(start);
    summary.excluded = excluded_;
    return summary;
}

std::vector<IntegrityProblem> RecordIntegrity::problems(const IntegritySummary& summary) const {
    // The rejected seals, sorted, their runs joined again across the file's blocks.
    auto seals = problems_;
    std::sort(seals.begin(), seals.end(), before);
    std::vector<IntegrityProblem> found;
    for (auto& problem : seals) {
        if (!found.empty() && extends(found.back(), problem))
            found.back().seqs.last = std::max(found.back().seqs.last, problem.seqs.last);
        else
            found.push_back(std::move(problem));
    }
    const auto seal_count = found.size();

    for (const auto& device : summary.devices) {
        // Seqs of this device that a record with a rejected seal claims (its own key,
        // or none when unsigned).
        auto covered_by_seals = [&](const std::string& key) {
            std::vector<SeqRange> covered;
            for (std::size_t i = 0; i < seal_count; ++i)
                if (found[i].device == device.device &&
                    (found[i].key == key || found[i].key.empty()))
                    covered.push_back(found[i].seqs);
            std::sort(covered.begin(), covered.end(),
                      [](const SeqRange& a, const SeqRange& b) { return a.first < b.first; });
            return covered;
        };
        for (const auto& chain : device.keys) {
            auto covered = covered_by_seals(chain.key);
            for (const auto& gap : chain.gaps)
                for (const auto& missing : uncovered(gap, covered))
                    found.push_back({device.device, chain.key, missing, "missing", 0});
            for (auto seq : chain.forks)
                found.push_back({device.device, chain.key, {seq, seq}, "fork", 0});
            for (auto seq : chain.broken_links)
                found.push_back({device.device, chain.key, {seq, seq}, "broken_link", 0});
        }
    }
    std::stable_sort(found.begin(), found.end(), before);
    return found;
}

}  // namespace cx::integrity
