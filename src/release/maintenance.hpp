#pragma once

#include <boost/program_options.hpp>

#include "registry/registry.hpp"
#include "report/outcome.hpp"

namespace lean {

// ml-release history, gc and diff: each fills `outcome` (which already holds the command,
// registry and model fields) from the registry; the options are the command's own.
Outcome history_command(Outcome outcome, Storage& storage, Registry& registry, const std::string& model,
                        const boost::program_options::variables_map& vm);
Outcome gc_command(Outcome outcome, Storage& storage, Registry& registry, const std::string& model,
                   const boost::program_options::variables_map& vm);
Outcome diff_command(Outcome outcome, Storage& storage, Registry& registry, const std::string& model,
                     const boost::program_options::variables_map& vm);

}  // namespace lean
