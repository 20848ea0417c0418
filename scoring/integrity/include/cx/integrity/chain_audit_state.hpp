#pragma once
// A ChainAudit's state as bytes, to be stored and merged later (the server keeps
// one per org, site, device and day): every device, key and run with its records'
// 16-byte fingerprints, so the audit of merged states reports exactly what the
// audit of all their records added to one ChainAudit reports.
#include "cx/integrity/chain_audit.hpp"
#include "cx/scoring/byte_codec.hpp"

namespace cx::integrity {

void write_chain_audit_state(const ChainAudit& audit, ByteWriter& out);
// Reads one state written by write_chain_audit_state and merges it into `into`; an
// error (nothing merged) when the bytes are damaged.
Status merge_chain_audit_state(ByteReader& in, ChainAudit& into);

}  // namespace cx::integrity
