#include "cx/scoring/accumulator_state.hpp"

namespace cx {

namespace {

// Bumped whenever the layout below changes: older states are then "another config".
constexpr std::uint8_t kFormat = 1;

constexpr std::uint64_t kFnvOffset = 14695981039346656037ull;
constexpr std::uint64_t kFnvPrime = 1099511628211ull;

class Fnv1a {
  public:
    // Each field ends with a NUL, so "1" + "23" and "12" + "3" differ.
    Fnv1a& field(std::string_view text) {
        for (unsigned char c : text) mix(c);
        mix(0);
        return *this;
    }
    Fnv1a& field(long long number) { return field(std::to_string(number)); }
    std::uint64_t value() const { return hash_; }

  private:
    void mix(unsigned char c) {
        hash_ ^= c;
        hash_ *= kFnvPrime;
    }
    std::uint64_t hash_ = kFnvOffset;
};

Error damaged(std::string_view what) {
    return make_error(ErrorKind::Damaged, "score state: " + std::string(what));
}

}  // namespace

std::uint64_t accumulator_fingerprint(const Questionnaire& questionnaire,
                                      const ScoringPolicy& policy) {
    Fnv1a hash;
    hash.field(kFormat).field(questionnaire.id);
    hash.field(static_cast<long long>(questionnaire.characteristics.size()));
    for (const auto& characteristic : questionnaire.characteristics)
        hash.field(characteristic.id).field(characteristic.max_points);
    hash.field(static_cast<long long>(questionnaire.items.size()));
    for (const auto& item : questionnaire.items)
        hash.field(item.id).field(item.characteristic).field(item.weight);
    for (int alpha : policy.alpha_milli) hash.field(alpha);
    hash.field(policy.include_incomplete ? 1 : 0);
    hash.field(static_cast<long long>(policy.excluded_flags.size()));
    for (const auto& flag : policy.excluded_flags) hash.field(flag);
    return hash.value();
}

// The friend of RatioMean and ScoreAccumulator that reads and writes their tallies.
class AccumulatorCodec {
  public:
    static void write(const ScoreAccumulator& accumulator, std::uint64_t fingerprint,
                      ByteWriter& out) {
        out.byte(kFormat);
        for (int shift = 0; shift < 64; shift += 8)
            out.byte(static_cast<std::uint8_t>(fingerprint >> shift));
        write_mean(accumulator.overall_, out);
        out.varint(accumulator.per_characteristic_.size());
        for (const auto& mean : accumulator.per_characteristic_) write_mean(mean, out);
        out.varint(accumulator.items_.size());
        for (const auto& tally : accumulator.items_) {
            for (auto count : tally.counts) out.varint(static_cast<std::uint64_t>(count));
            out.varint(static_cast<std::uint64_t>(tally.not_applicable));
        }
        out.varint(accumulator.excluded_.size());
        for (const auto& [reason, count] : accumulator.excluded_) {
            out.text(reason);
            out.varint(static_cast<std::uint64_t>(count));
        }
        out.varint(static_cast<std::uint64_t>(accumulator.excluded_total_));
    }

    static Result<StateFit> merge(ByteReader& in, std::uint64_t fingerprint,
                                  ScoreAccumulator& into) {
        std::uint8_t format = 0;
        if (!in.byte(format)) return damaged("empty");
        if (format != kFormat) return StateFit::OtherConfig;
        std::uint64_t stamp = 0;
        for (int shift = 0; shift < 64; shift += 8) {
            std::uint8_t next = 0;
            if (!in.byte(next)) return damaged("truncated fingerprint");
            stamp |= std::uint64_t{next} << shift;
        }
        if (stamp != fingerprint) return StateFit::OtherConfig;
        // Read whole into a blank accumulator of the same shape, then merge: a damaged
        // state leaves `into` as it was.
        ScoreAccumulator part(*into.questionnaire_, *into.policy_);
        if (!read_mean(in, part.overall_)) return damaged("overall buckets");
        std::uint64_t count = 0;
        if (!in.varint(count) || count != part.per_characteristic_.size())
            return damaged("characteristic count");
        for (auto& mean : part.per_characteristic_)
            if (!read_mean(in, mean)) return damaged("characteristic buckets");
        if (!in.varint(count) || count != part.items_.size()) return damaged("item count");
        for (auto& tally : part.items_) {
            for (auto& level : tally.counts)
                if (!read_count(in, level)) return damaged("item tally");
            if (!read_count(in, tally.not_applicable)) return damaged("item tally");
        }
        if (!in.count(count, 2)) return damaged("exclusion count");
        for (std::uint64_t i = 0; i < count; ++i) {
            std::string reason;
            std::int64_t excluded = 0;
            if (!in.text(reason) || !read_count(in, excluded)) return damaged("exclusions");
            part.excluded_[reason] += excluded;
        }
        if (!read_count(in, part.excluded_total_)) return damaged("excluded total");
        into.merge(part);
        return StateFit::Merged;
    }

  private:
    // Only the buckets that hold something: a day uses a few of the ~100 denominators.
    static void write_mean(const RatioMean& mean, ByteWriter& out) {
        std::uint64_t used = 0;
        for (const auto& bucket : mean.buckets_) used += bucket.count != 0;
        out.varint(used);
        for (std::size_t d = 0; d < mean.buckets_.size(); ++d) {
            const auto& bucket = mean.buckets_[d];
            if (!bucket.count) continue;
            out.varint(d);
            out.varint(static_cast<std::uint64_t>(bucket.count));
            out.signed_varint(bucket.numerators);
            out.signed_varint(bucket.squares);
        }
    }

    static bool read_mean(ByteReader& in, RatioMean& mean) {
        std::uint64_t used = 0;
        if (!in.count(used, 4)) return false;
        for (std::uint64_t i = 0; i < used; ++i) {
            std::uint64_t denominator = 0;
            std::int64_t count = 0;
            if (!in.varint(denominator) || denominator >= mean.buckets_.size()) return false;
            auto& bucket = mean.buckets_[denominator];
            if (bucket.count || !read_count(in, count) || count == 0 ||
                !in.signed_varint(bucket.numerators) || !in.signed_varint(bucket.squares))
                return false;
            bucket.count = count;
            mean.count_ += count;
        }
        return true;
    }

    static bool read_count(ByteReader& in, std::int64_t& count) {
        std::uint64_t value = 0;
        if (!in.varint(value) || value > static_cast<std::uint64_t>(INT64_MAX)) return false;
        count = static_cast<std::int64_t>(value);
        return true;
    }
};

void write_accumulator_state(const ScoreAccumulator& accumulator, std::uint64_t fingerprint,
                             ByteWriter& out) {
    AccumulatorCodec::write(accumulator, fingerprint, out);
}

Result<StateFit> merge_accumulator_state(ByteReader& in, std::uint64_t fingerprint,
                                         ScoreAccumulator& into) {
    return AccumulatorCodec::merge(in, fingerprint, into);
}

}  // namespace cx
