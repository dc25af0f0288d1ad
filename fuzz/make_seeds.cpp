// Writes the HDF5 seed inputs of the fuzz targets: small valid files of every layout the
// readers know (3DGAN with energy and theta, fixed-angle 3DGAN, CaloChallenge in MeV, the
// synthetic set, a plain dataset with attributes), a few events each so mutations stay cheap.
// Usage: make_seeds DIR
#include "io/Hdf5.h"

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace {

using tf::h5::File;
using tf::h5::RowWriter;

void rows(const File& f, const std::string& name, std::vector<hsize_t> shape, float base) {
  RowWriter w(f, name, shape);
  std::size_t per = 1;
  for (std::size_t i = 1; i < shape.size(); ++i) per *= shape[i];
  std::vector<float> row(per);
  for (hsize_t r = 0; r < shape[0]; ++r) {
    for (std::size_t i = 0; i < per; ++i) row[i] = base * static_cast<float>(r + 1) + 0.01f * static_cast<float>(i % 7);
    w.write(r, row.data());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  std::filesystem::create_directories(dir);
  tf::h5::silenceErrorStack();
  {
    File f = File::create(dir + "/3dgan.h5");
    rows(f, "ECAL", {3, 4, 4, 3}, 0.5f);
    rows(f, "energy", {3, 1}, 50.f);
    rows(f, "theta", {3}, 1.2f);
  }
  {
    File f = File::create(dir + "/3dgan-fixed-angle.h5");
    rows(f, "ECAL", {2, 3, 3, 4}, 0.2f);
    rows(f, "target", {2, 3}, 20.f);
  }
  {
    File f = File::create(dir + "/calochallenge.h5");
    rows(f, "incident_energies", {3, 1}, 1000.f);
    rows(f, "showers", {3, 12}, 7.f);
  }
  {
    File f = File::create(dir + "/synthetic.h5");
    rows(f, "x", {4, 2}, 1.f);
    rows(f, "y", {4, 1}, 2.f);
    f.setAttribute("/", "twinforge_format", "twinforge-synthetic");
    f.setAttribute("/", "task", "regression");
    f.setAttribute("/", "seed", 7.0);
  }
  {
    File f = File::create(dir + "/plain.h5");
    rows(f, "values", {5}, 1.f);
    f.setAttribute("values", "units", "GeV");
  }
  std::cout << "make_seeds: 5 files in " << dir << "\n";
  return 0;
}
