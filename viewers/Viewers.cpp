// The viewers each science area contributes: calo/, gw/, and cyclone/ where libnetcdf is there.
#include "CaloViewers.h"
#ifdef TWINFORGE_GW_VIEWER
#include "StrainView.h"
#endif
#include "ViewerRegistry.h"
#ifdef TWINFORGE_CYCLONE_VIEWER
#include "CycloneViewers.h"
#endif

namespace tf::viewers {

void registerBuiltInViewers(ViewerRegistry& r) {
  registerCaloViewers(r);
#ifdef TWINFORGE_GW_VIEWER
  registerGwViewers(r);
#endif
#ifdef TWINFORGE_CYCLONE_VIEWER
  registerCycloneViewers(r);
#endif
}

}  // namespace tf::viewers
