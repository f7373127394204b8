#pragma once

#include "registry/gc.hpp"
#include "registry/registry.hpp"
#include "release/release.hpp"
#include "report/outcome.hpp"

namespace lean {

// ml-release history, gc and diff on an open registry: each fills `outcome` (which already
// holds the command, registry and model fields).
Outcome history_command(Outcome outcome, Storage& storage, Registry& registry, const HistoryInput& input);
Outcome gc_command(Outcome outcome, Storage& storage, Registry& registry, const GcRequest& request);
Outcome diff_command(Outcome outcome, Storage& storage, Registry& registry, const DiffInput& input);

}  // namespace lean
