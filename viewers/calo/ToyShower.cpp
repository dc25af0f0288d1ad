#include "ToyShower.h"

#include "ToyShowerModel.h"

namespace tf::viewers {

CellGrid toyShower(double primaryGeV, double thetaDeg, std::uint64_t seed, int nx, int ny, int nz) {
  CellGrid g;
  g.nx = nx;
  g.ny = ny;
  g.nz = nz;
  g.e = calo::toyShower(primaryGeV, thetaDeg, seed, nx, ny, nz);
  return g;
}

}  // namespace tf::viewers
