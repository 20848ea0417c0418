#include "cx/integrity/chain_audit_state.hpp"

namespace cx::integrity {

namespace {

constexpr std::size_t kFingerprintSize = std::tuple_size_v<ChainAudit::Fingerprint>;

Error damaged(std::string_view what) {
    return make_error(ErrorKind::Damaged, "chain audit state: " + std::string(what));
}

}  // namespace

// The friend of ChainAudit that reads and writes its runs.
class ChainAuditCodec {
  public:
    static void write(const ChainAudit& audit, ByteWriter& out) {
        out.varint(audit.chains_.size());
        for (const auto& [device, keys] : audit.chains_) {
            out.text(device);
            out.varint(keys.size());
            for (const auto& [key, chain] : keys) {
                out.text(key);
                out.varint(chain.runs.size());
                for (const auto& run : chain.runs) {
                    out.signed_varint(run.first_seq);
                    out.block(run.first_prev);
                    out.varint(run.hashes.size());
                    for (const auto& hash : run.hashes) out.block(hash);
                }
            }
        }
    }

    static Status merge(ByteReader& in, ChainAudit& into) {
        // Read whole first: a damaged state leaves `into` as it was.
        ChainAudit part;
        std::uint64_t devices = 0;
        if (!in.count(devices, 2)) return damaged("device count");
        for (std::uint64_t d = 0; d < devices; ++d) {
            std::string device;
            std::uint64_t keys = 0;
            if (!in.text(device) || !in.count(keys, 2)) return damaged("device");
            auto& chains = part.chains_[device];
            for (std::uint64_t k = 0; k < keys; ++k) {
                std::string key;
                std::uint64_t runs = 0;
                if (!in.text(key) || !in.count(runs, 2 + kFingerprintSize)) return damaged("key");
                auto& chain = chains[key];
                for (std::uint64_t r = 0; r < runs; ++r) {
                    ChainAudit::Run run;
                    std::uint64_t records = 0;
                    if (!in.signed_varint(run.first_seq) || !in.block(run.first_prev) ||
                        !in.count(records, kFingerprintSize) || records == 0)
                        return damaged("run");
                    run.hashes.resize(records);
                    for (auto& hash : run.hashes)
                        if (!in.block(hash)) return damaged("run");
                    chain.runs.push_back(std::move(run));
                }
                if (!chain.runs.empty()) chain.open = chain.runs.size() - 1;
            }
        }
        into.merge(std::move(part));
        return Ok{};
    }
};

void write_chain_audit_state(const ChainAudit& audit, ByteWriter& out) {
    ChainAuditCodec::write(audit, out);
}

Status merge_chain_audit_state(ByteReader& in, ChainAudit& into) {
    return ChainAuditCodec::merge(in, into);
}

}  // namespace cx::integrity
