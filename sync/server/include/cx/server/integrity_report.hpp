#pragma once
// The body of GET /api/v1/orgs/{org}/integrity (sync/PROTOCOL.md): per device its
// keys, how each came to be trusted, the seq range each signed, and the chains'
// gaps, forks, broken links and late arrivals, drawn by cx::integrity::ChainAudit
// over what the store keeps of each sealed record.
#include <string>
#include <string_view>

#include "cx/server/server_store.hpp"

namespace cx {

Result<std::string> org_integrity_json(ServerStore& store, std::string_view org);

}  // namespace cx
