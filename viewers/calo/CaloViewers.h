// Registration of the calorimeter area's viewers with the viewer registry.
#pragma once

namespace tf::viewers {
class ViewerRegistry;
void registerCaloViewers(ViewerRegistry& r);
}  // namespace tf::viewers
