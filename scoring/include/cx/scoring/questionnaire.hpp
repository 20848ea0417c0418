#pragma once
// The questionnaire of the certification spec (附录1) as data: items, weights,
// characteristics and the customer-facing wording in both languages.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cx/scoring/result.hpp"

namespace cx {

enum class Lang { Zh, En };
std::string_view to_string(Lang lang);
std::optional<Lang> parse_lang(std::string_view code);

struct LocalizedText {
    std::string zh;
    std::string en;
    const std::string& in(Lang lang) const { return lang == Lang::Zh ? zh : en; }
};

struct Characteristic {
    std::string id;  // "1" … "7"
    LocalizedText name;
    int max_points = 0;  // sum of its items' weights
};

struct Item {
    std::string id;              // "1.1" … "6.3", "7"
    std::string characteristic;  // Characteristic::id
    LocalizedText dimension;     // 人员 / 设备设施 / 环境; empty for item 7
    int weight = 0;
    std::string criterion_zh;  // the spec's 评价内容, for reports and audits
    LocalizedText question;    // what the customer reads at the kiosk
};

inline constexpr int kLevels = 5;  // Likert levels 1…5

struct Questionnaire {
    std::string id;  // e.g. "tbsc134-b1"
    LocalizedText title;
    std::vector<Characteristic> characteristics;
    std::vector<Item> items;
    std::array<LocalizedText, kLevels> level_labels;  // index 0 is level 1
    LocalizedText not_applicable_label;

    std::optional<std::size_t> item_index(std::string_view item_id) const;
    std::optional<std::size_t> characteristic_index(std::string_view characteristic_id) const;
    int total_weight() const;
};

// Parses and validates config/questionnaire.json. Refuses weights that do not
// sum to 100, duplicate or unknown ids, characteristic maxima that disagree
// with their items, and missing wording.
Result<Questionnaire> parse_questionnaire(std::string_view json);

// Orders item ids the way people read them: "1.2" < "1.10" < "2.1" < "7".
bool item_id_less(std::string_view a, std::string_view b);

}  // namespace cx
