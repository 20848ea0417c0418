#include "cx/scoring/item_lookup.hpp"

#include <algorithm>
#include <numeric>

namespace cx {

std::uint64_t ItemLookup::prefix_of(std::string_view id) {
    // Byte by byte: a variable-length memcpy would be a library call per answer.
    std::uint64_t prefix = 0;
    std::size_t length = std::min(id.size(), sizeof prefix);
    for (std::size_t i = 0; i < length; ++i)
        prefix |= std::uint64_t{static_cast<unsigned char>(id[i])} << (8 * i);
    return prefix;
}

ItemLookup::ItemLookup(const Questionnaire& questionnaire) : rank_(questionnaire.items.size()) {
    for (const auto& item : questionnaire.items) keys_.push_back({prefix_of(item.id), item.id});
    std::vector<std::size_t> order(questionnaire.items.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return item_id_less(questionnaire.items[a].id, questionnaire.items[b].id);
    });
    for (std::size_t position = 0; position < order.size(); ++position)
        rank_[order[position]] = position;
}

std::size_t ItemLookup::find(std::string_view item_id, std::size_t hint) const {
    auto prefix = prefix_of(item_id);
    std::size_t count = keys_.size();
    if (hint >= count) hint = 0;
    for (std::size_t step = 0, i = hint; step < count; ++step, i = i + 1 == count ? 0 : i + 1)
        if (keys_[i].prefix == prefix && keys_[i].id.size() == item_id.size() &&
            (item_id.size() <= sizeof prefix || keys_[i].id == item_id))
            return i;
    return kNotFound;
}

}  // namespace cx
