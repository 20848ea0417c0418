#pragma once
// Schema 4's migration step: the records a store kept before integrity are sealed
// with the device key, in seq order per device, inside the migration's transaction.
#include "cx/integrity/seal.hpp"
#include "cx/scoring/result.hpp"
#include "cx/sqlite/connection.hpp"

namespace cx::kiosk {

// Seals every record that has no record_hash yet (each device's chain from seq 1 and the
// genesis prev_hash), sets those the server had acknowledged back to waiting so that it
// receives the sealed versions, recreates the evidence trigger over the sealed columns and
// audits `records_sealed` with {"records":n,"requeued":m,"key":"…"} when there were any.
// A stored line that does not read back as itself is an error: nothing is sealed then.
Status seal_unsigned_records(sqlite::Connection& db, const integrity::SigningKey& key);

}  // namespace cx::kiosk
