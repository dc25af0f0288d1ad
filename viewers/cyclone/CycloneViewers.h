#pragma once

namespace tf::viewers {
class ViewerRegistry;
// The cyclone field viewer, for netCDF climate files (viewers/cyclone/FieldView).
void registerCycloneViewers(ViewerRegistry& r);
}  // namespace tf::viewers
