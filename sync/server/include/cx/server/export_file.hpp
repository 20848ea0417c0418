#pragma once
// `cxserver export`: an org's canonical records to a JSONL file, written under a
// temporary name, fsync'ed and renamed, so a failed export never leaves a partial file.
#include <filesystem>

#include "cx/server/server_store.hpp"

namespace cx {

// Returns the number of records written.
Result<std::size_t> export_to_file(ServerStore& store, const ResponseQuery& query,
                                   const std::filesystem::path& out);

}  // namespace cx
