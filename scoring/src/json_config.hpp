#pragma once
// Helpers for reading config files with nlohmann::json and turning every
// mistake into a message that names the offending key.
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace cx::detail {

struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline const nlohmann::json& require(const nlohmann::json& object, const char* key,
                                     const std::string& where) {
    if (!object.is_object() || !object.contains(key))
        throw ConfigError(where + ": missing \"" + key + "\"");
    return object.at(key);
}

inline std::string require_string(const nlohmann::json& object, const char* key,
                                   const std::string& where, bool allow_empty = false) {
    const auto& value = require(object, key, where);
    if (!value.is_string()) throw ConfigError(where + ": \"" + key + "\" must be a string");
    auto text = value.get<std::string>();
    if (text.empty() && !allow_empty) throw ConfigError(where + ": \"" + key + "\" is empty");
    return text;
}

inline long long require_integer(const nlohmann::json& object, const char* key,
                                 const std::string& where) {
    const auto& value = require(object, key, where);
    if (!value.is_number_integer())
        throw ConfigError(where + ": \"" + key + "\" must be an integer");
    return value.get<long long>();
}

inline double require_number(const nlohmann::json& object, const char* key,
                             const std::string& where) {
    const auto& value = require(object, key, where);
    if (!value.is_number()) throw ConfigError(where + ": \"" + key + "\" must be a number");
    return value.get<double>();
}

inline bool require_bool(const nlohmann::json& object, const char* key, const std::string& where) {
    const auto& value = require(object, key, where);
    if (!value.is_boolean()) throw ConfigError(where + ": \"" + key + "\" must be true or false");
    return value.get<bool>();
}

// Parses a config document, mapping JSON syntax errors to a readable message.
inline nlohmann::json parse_document(std::string_view text) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw ConfigError(std::string("invalid JSON: ") + e.what());
    }
}

}  // namespace cx::detail
