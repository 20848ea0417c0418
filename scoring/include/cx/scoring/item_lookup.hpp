#pragma once
// Finds a questionnaire item by id in a few integer compares and knows each
// item's place in canonical order: the hot path of parsing and scoring
// millions of responses, where string compares and id parsing dominated.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "cx/scoring/questionnaire.hpp"

namespace cx {

class ItemLookup {
  public:
    explicit ItemLookup(const Questionnaire& questionnaire);

    static constexpr std::size_t kNotFound = static_cast<std::size_t>(-1);

    // Index of the item in Questionnaire::items, or kNotFound (a plain integer:
    // returning std::optional here cost a store-forwarding stall per answer).
    // The search starts at `hint`: pass the previous answer's index + 1 and
    // items in order cost one compare.
    std::size_t find(std::string_view item_id, std::size_t hint = 0) const;
    // Position of item `index` when the items are ordered by item_id_less.
    std::size_t canonical_rank(std::size_t index) const { return rank_[index]; }

  private:
    struct Key {
        std::uint64_t prefix;  // the id's first 8 bytes, zero-padded
        std::string_view id;
    };
    static std::uint64_t prefix_of(std::string_view id);

    std::vector<Key> keys_;  // aligned with the questionnaire's items
    std::vector<std::size_t> rank_;
};

}  // namespace cx
