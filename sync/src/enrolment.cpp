#include "cx/sync/enrolment.hpp"

#include <array>

#include <nlohmann/json.hpp>

namespace cx {

namespace {

constexpr std::size_t kDigitsPerGroup = 4;

// The object's string members, in order, or an error naming the first one missing.
template <std::size_t N>
Result<std::array<std::string, N>> string_members(std::string_view body, std::string_view what,
                                                  const std::array<const char*, N>& names) {
    auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object()) return Error{std::string(what) + " is not a JSON object"};
    std::array<std::string, N> values;
    for (std::size_t i = 0; i < N; ++i) {
        auto found = json.find(names[i]);
        if (found == json.end() || !found->is_string())
            return Error{std::string(what) + " needs \"" + names[i] + "\" as a string"};
        values[i] = found->template get<std::string>();
    }
    return values;
}

}  // namespace

std::optional<std::string> normalize_enrolment_code(std::string_view typed) {
    std::string digits;
    for (char c : typed) {
        if (c == '-' || c == ' ') continue;
        if (c < '0' || c > '9' || digits.size() == kEnrolmentCodeDigits) return std::nullopt;
        digits.push_back(c);
    }
    if (digits.size() != kEnrolmentCodeDigits) return std::nullopt;
    return digits;
}

std::string group_enrolment_code(std::string_view digits) {
    std::string grouped;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && i % kDigitsPerGroup == 0) grouped.push_back('-');
        grouped.push_back(digits[i]);
    }
    return grouped;
}

std::string encode_enrol_request(std::string_view code, std::string_view pubkey) {
    return nlohmann::ordered_json{{"code", code}, {"pubkey", pubkey}}.dump();
}

Result<EnrolRequest> decode_enrol_request(std::string_view body) {
    auto members = string_members<2>(body, "the enrolment request", {"code", "pubkey"});
    if (!members) return members.error();
    auto& [code, pubkey] = members.value();
    return EnrolRequest{std::move(code), std::move(pubkey)};
}

std::string encode_enrol_reply(const EnrolReply& reply) {
    return nlohmann::ordered_json{
        {"token", reply.token}, {"org", reply.org}, {"site", reply.site}, {"device", reply.device}}
        .dump();
}

Result<EnrolReply> decode_enrol_reply(std::string_view body) {
    auto members =
        string_members<4>(body, "the enrolment reply", {"token", "org", "site", "device"});
    if (!members) return members.error();
    auto& [token, org, site, device] = members.value();
    return EnrolReply{std::move(token), std::move(org), std::move(site), std::move(device)};
}

}  // namespace cx
