#include "cx/scoring/questionnaire.hpp"

#include <charconv>
#include <set>

#include "json_config.hpp"

namespace cx {

using detail::ConfigError;
using detail::require;
using detail::require_integer;
using detail::require_string;

std::string_view to_string(Lang lang) { return lang == Lang::Zh ? "zh" : "en"; }

std::optional<Lang> parse_lang(std::string_view code) {
    if (code == "zh") return Lang::Zh;
    if (code == "en") return Lang::En;
    return std::nullopt;
}

std::optional<std::size_t> Questionnaire::item_index(std::string_view item_id) const {
    for (std::size_t i = 0; i < items.size(); ++i)
        if (items[i].id == item_id) return i;
    return std::nullopt;
}

std::optional<std::size_t> Questionnaire::characteristic_index(
    std::string_view characteristic_id) const {
    for (std::size_t i = 0; i < characteristics.size(); ++i)
        if (characteristics[i].id == characteristic_id) return i;
    return std::nullopt;
}

int Questionnaire::total_weight() const {
    int total = 0;
    for (const auto& item : items) total += item.weight;
    return total;
}

bool item_id_less(std::string_view a, std::string_view b) {
    // Compare dot-separated numeric parts; fall back to text for non-numeric parts.
    while (!a.empty() && !b.empty()) {
        auto a_end = a.find('.');
        auto b_end = b.find('.');
        auto a_part = a.substr(0, a_end);
        auto b_part = b.substr(0, b_end);
        long a_num = 0, b_num = 0;
        auto [ap, aerr] = std::from_chars(a_part.data(), a_part.data() + a_part.size(), a_num);
        auto [bp, berr] = std::from_chars(b_part.data(), b_part.data() + b_part.size(), b_num);
        bool numeric = aerr == std::errc{} && berr == std::errc{} &&
                       ap == a_part.data() + a_part.size() && bp == b_part.data() + b_part.size();
        if (numeric ? a_num != b_num : a_part != b_part)
            return numeric ? a_num < b_num : a_part < b_part;
        a = a_end == std::string_view::npos ? std::string_view{} : a.substr(a_end + 1);
        b = b_end == std::string_view::npos ? std::string_view{} : b.substr(b_end + 1);
    }
    return a.empty() && !b.empty();
}

namespace {

LocalizedText localized(const nlohmann::json& object, const char* key, const std::string& where,
                        bool allow_empty = false) {
    const auto& text = require(object, key, where);
    std::string inner = where + "." + key;
    return {require_string(text, "zh", inner, allow_empty),
            require_string(text, "en", inner, allow_empty)};
}

Questionnaire parse(const nlohmann::json& doc) {
    Questionnaire q;
    q.id = require_string(doc, "id", "questionnaire");
    q.title = localized(doc, "title", "questionnaire");

    const auto& levels = require(doc, "levels", "questionnaire");
    if (!levels.is_array() || levels.size() != kLevels)
        throw ConfigError("questionnaire: \"levels\" must list exactly 5 levels");
    for (std::size_t i = 0; i < kLevels; ++i) {
        std::string where = "questionnaire.levels[" + std::to_string(i) + "]";
        if (require_integer(levels[i], "level", where) != static_cast<long long>(i + 1))
            throw ConfigError(where + ": levels must be listed 1 to 5 in order");
        q.level_labels[i] = {require_string(levels[i], "zh", where),
                             require_string(levels[i], "en", where)};
    }
    q.not_applicable_label = localized(doc, "not_applicable", "questionnaire");

    const auto& characteristics = require(doc, "characteristics", "questionnaire");
    if (!characteristics.is_array() || characteristics.empty())
        throw ConfigError("questionnaire: \"characteristics\" must be a non-empty array");
    for (const auto& c : characteristics) {
        std::string where = "questionnaire.characteristics[" + std::to_string(q.characteristics.size()) + "]";
        Characteristic characteristic{require_string(c, "id", where), localized(c, "name", where),
                                      static_cast<int>(require_integer(c, "max", where))};
        if (q.characteristic_index(characteristic.id))
            throw ConfigError(where + ": duplicate characteristic id \"" + characteristic.id + "\"");
        q.characteristics.push_back(std::move(characteristic));
    }

    const auto& items = require(doc, "items", "questionnaire");
    if (!items.is_array() || items.empty())
        throw ConfigError("questionnaire: \"items\" must be a non-empty array");
    std::vector<int> characteristic_weight(q.characteristics.size(), 0);
    for (const auto& i : items) {
        std::string where = "questionnaire.items[" + std::to_string(q.items.size()) + "]";
        Item item;
        item.id = require_string(i, "id", where);
        where += " (item " + item.id + ")";
        item.characteristic = require_string(i, "characteristic", where);
        item.dimension = localized(i, "dimension", where, /*allow_empty=*/true);
        auto weight = require_integer(i, "weight", where);
        if (weight <= 0 || weight > 100) throw ConfigError(where + ": weight must be 1…100");
        item.weight = static_cast<int>(weight);
        item.criterion_zh = require_string(i, "criterion_zh", where);
        item.question = localized(i, "question", where);
        if (q.item_index(item.id))
            throw ConfigError(where + ": duplicate item id \"" + item.id + "\"");
        auto c = q.characteristic_index(item.characteristic);
        if (!c)
            throw ConfigError(where + ": unknown characteristic \"" + item.characteristic + "\"");
        characteristic_weight[*c] += item.weight;
        q.items.push_back(std::move(item));
    }
    if (q.total_weight() != 100)
        throw ConfigError("questionnaire: item weights sum to " + std::to_string(q.total_weight()) +
                          ", not 100");
    for (std::size_t c = 0; c < q.characteristics.size(); ++c)
        if (characteristic_weight[c] != q.characteristics[c].max_points)
            throw ConfigError("questionnaire: characteristic " + q.characteristics[c].id +
                              " has max " + std::to_string(q.characteristics[c].max_points) +
                              " but its items weigh " + std::to_string(characteristic_weight[c]));
    return q;
}

}  // namespace

Result<Questionnaire> parse_questionnaire(std::string_view json) {
    try {
        return parse(detail::parse_document(json));
    } catch (const std::exception& e) {
        return Error{e.what()};
    }
}

}  // namespace cx
