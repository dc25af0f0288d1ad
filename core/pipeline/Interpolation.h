// What happens to a pipeline document before it is validated: command-line overrides
// (`--set a.b.c=value`) and OmegaConf-style interpolation (`${a.b}`, `${oc.env:NAME,default}`).
#pragma once

#include "config/Diagnostics.h"
#include "config/Node.h"

#include <string>

namespace tf {

// Interpolates ${a.b.c} and ${oc.env:NAME,default} throughout `root`; errors go to diags.
cfg::Node interpolate(const cfg::Node& root, Diagnostics& diags);

// Applies "a.b.c=value" to the document; step names may stand for list indices.
void applyOverride(cfg::Node& root, const std::string& assignment, Diagnostics& diags);

}  // namespace tf
