#pragma once
// The ingest's integrity check (sync/PROTOCOL.md "Signed records" and "Device
// keys"): is each record sealed by a key bound to its device, and does the
// signature hold? Signature checks are CPU work, so they run here, before the
// store's group commit, never inside its write transaction.
#include <optional>
#include <string>
#include <vector>

#include "cx/integrity/seal.hpp"
#include "cx/server/server_store.hpp"
#include "cx/sync/protocol.hpp"

namespace cx {

// Why one record may not be stored.
struct SealRefusal {
    ApiError error;  // BadSignature or WrongKey
    std::string detail;
};

// Checks the records of one upload of one device token. The device's keys are read
// once, on the first record; a device without any key pins the key of its first
// record whose signature holds (trust on first use).
class SealGate {
  public:
    SealGate(ServerStore& store, const TokenGrant& grant, std::string now);

    // nullopt when `record` may be stored; a store error fails the whole batch.
    Result<std::optional<SealRefusal>> check(const Response& record);

  private:
    Status load_keys();
    Status pin(const Response& record);
    Status keep(const std::vector<DeviceKey>& keys);

    ServerStore& store_;
    const TokenGrant& grant_;
    std::string now_;
    bool loaded_ = false;
    std::vector<integrity::PublicKey> keys_;  // bound to the device
};

}  // namespace cx
