#include "cx/kiosk/status.hpp"

#include <nlohmann/json.hpp>

#include "utc_text.hpp"

namespace cx::kiosk {

namespace {
constexpr std::size_t kShortHashDigits = 12;
}  // namespace

Result<KioskStatus> read_status(Store& store, const StoreIdentity& identity) {
    KioskStatus status{
        identity.device, identity.org, identity.site, 0, {}, {}, {}, std::nullopt, {}};
    auto version = store.schema_version();
    if (!version) return version.error();
    status.schema_version = version.value();
    status.key = store.signing_key().public_key().hex();
    auto head = store.chain_head(identity.device);
    if (!head) return head.error();
    status.chain_head = std::move(head.value());
    auto counts = store.counts();
    if (!counts) return counts.error();
    status.counts = counts.value();
    auto sync = store.last_sync();
    if (!sync) return sync.error();
    status.last_sync = std::move(sync.value());
    auto refusals = store.latest_refusals(kStatusRefusals);
    if (!refusals) return refusals.error();
    status.refusals = std::move(refusals.value());
    return status;
}

std::string render_status_json(const KioskStatus& status) {
    using Json = nlohmann::ordered_json;
    const auto& c = status.counts;
    Json document{
        {"device", status.device},
        {"org", status.org},
        {"site", status.site},
        {"schema_version", status.schema_version},
        {"key", status.key},
        {"chain_head", {{"seq", status.chain_head.seq}, {"hash", status.chain_head.hash}}},
        {"counts",
         {{"complete", c.complete},
          {"incomplete", c.incomplete},
          {"waiting", c.unsent},
          {"sent", c.sent},
          {"refused", c.refused},
          {"flagged", c.flagged}}},
        {"last_sync", nullptr},
        {"refusals", Json::array()}};
    if (const auto& sync = status.last_sync) {
        document["last_sync"] = {{"at", utc_text(sync->at)},
                                 {"result", sync->ok ? "ok" : "failed"},
                                 {"http_status", sync->http_status},
                                 {"sent", sync->sent},
                                 {"refused", sync->refused},
                                 {"remaining", sync->remaining},
                                 {"detail", sync->detail}};
    }
    for (const auto& refusal : status.refusals) {
        document["refusals"].push_back({{"id", refusal.id},
                                        {"seq", refusal.seq},
                                        {"code", refusal.code},
                                        {"detail", refusal.detail},
                                        {"at", refusal.at}});
    }
    return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string render_status_text(const KioskStatus& status) {
    const auto& c = status.counts;
    auto n = [](auto value) { return std::to_string(value); };
    std::string text = "kiosk " + status.device + " (org " + status.org + ", site " + status.site +
                       "), store schema version " + n(status.schema_version) + "\n";
    // The short hash is enough to compare by eye with the server's report.
    text += "device key: " + status.key + "\n";
    text += "chain head: " +
            (status.chain_head.seq == 0 ? std::string("no record yet")
                                        : "seq " + n(status.chain_head.seq) + ", hash " +
                                              status.chain_head.hash.substr(0, kShortHashDigits)) +
            "\n";
    text += "responses: " + n(c.complete) + " complete, " + n(c.incomplete) + " incomplete, " +
            n(c.flagged) + " flagged\n";
    text += "upload: " + n(c.unsent) + " waiting, " + n(c.sent) + " sent, " + n(c.refused) +
            " refused by the server\n";
    if (const auto& sync = status.last_sync) {
        text += "last sync: " + std::string(sync->ok ? "ok" : "failed") + " at " +
                utc_text(sync->at) + " (HTTP " + n(sync->http_status) + ", " + n(sync->sent) +
                " sent, " + n(sync->refused) + " refused, " + n(sync->remaining) + " remaining)";
        if (!sync->detail.empty()) text += ": " + sync->detail;
        text += "\n";
    } else {
        text += "last sync: never\n";
    }
    if (!status.refusals.empty()) text += "newest refusals:\n";
    for (const auto& refusal : status.refusals) {
        text += "  seq " + n(refusal.seq) + " (" + refusal.id + ") at " + refusal.at + ": " +
                refusal.code + ": " + refusal.detail + "\n";
    }
    return text;
}

}  // namespace cx::kiosk
