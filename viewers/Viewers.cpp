// The viewers each science area contributes: calo/, gw/, and cyclone/ where libnetcdf is there.
#include "CaloViewers.h"
#include "StrainView.h"
#include "ViewerRegistry.h"
#ifdef TWINFORGE_CYCLONE_VIEWER
#include "CycloneViewers.h"
#endif

namespace tf::viewers {

void registerBuiltInViewers(ViewerRegistry& r) {
  registerCaloViewers(r);
  registerGwViewers(r);
#ifdef TWINFORGE_CYCLONE_VIEWER
  registerCycloneViewers(r);
#endif
}

}  // namespace tf::viewers
