#pragma once
// What the server itself notices about a record (sync/PROTOCOL.md "Server flags"),
// stored in the row's server_flags beside the kiosk's own flags, which stay in the
// canonical line as the kiosk sent them: the kiosk may lie, so the server
// recomputes speeder and burst from the record's own times.
#include <chrono>
#include <span>
#include <string>

#include "cx/scoring/policy.hpp"
#include "cx/scoring/response.hpp"
#include "cx/server/server_store.hpp"

namespace cx {

// A record whose submitted_at is further ahead of the server's clock than this is
// stored with the server flag "clock".
inline constexpr std::chrono::hours kClockTolerance{24};

struct ServerFlags {
    bool burst = false;        // complete within burst_seconds of the previous complete record
    bool clock = false;        // submitted_at over kClockTolerance ahead of the server's clock
    bool speeder = false;      // complete in under speeder_seconds_per_item per answered item
    std::string json() const;  // sorted JSON array, e.g. ["burst","speeder"]
};

// The flags the record alone decides: clock and speeder.
ServerFlags record_server_flags(const Response& record, std::chrono::sys_seconds now,
                                const ScoringPolicy& policy);

// Sets `flags[i].burst` for each complete record of `batch` whose previous complete
// record of the same chain (device and key, by seq: in the batch, else the store's)
// was submitted less than burst_seconds before it. Timestamps are whole seconds.
Status mark_bursts(ServerStore& store, std::span<const StoredRecord> batch,
                   std::span<ServerFlags> flags, const ScoringPolicy& policy);

// Adds the server's burst and speeder (in `server_flags`, a row's JSON array) to the
// record's own flags: the score excludes by both, since the kiosk may lie.
void add_server_flags(Response& record, std::string_view server_flags);

}  // namespace cx
