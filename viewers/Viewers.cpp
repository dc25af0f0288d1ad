// The viewers each science area contributes; cyclone/ and gw/ add theirs here.
#include "CaloViewers.h"
#include "ViewerRegistry.h"

namespace tf::viewers {

void registerBuiltInViewers(ViewerRegistry& r) { registerCaloViewers(r); }

}  // namespace tf::viewers
