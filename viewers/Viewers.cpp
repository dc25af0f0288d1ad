// The viewers each science area contributes; cyclone/ and gw/ add theirs here.
#include "CaloViewers.h"
#include "ViewerRegistry.h"
#ifdef TWINFORGE_CYCLONE_VIEWER
#include "CycloneViewers.h"
#endif

namespace tf::viewers {

void registerBuiltInViewers(ViewerRegistry& r) {
  registerCaloViewers(r);
#ifdef TWINFORGE_CYCLONE_VIEWER
  registerCycloneViewers(r);
#endif
}

}  // namespace tf::viewers
