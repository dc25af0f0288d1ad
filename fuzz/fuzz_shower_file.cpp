// The calorimeter shower reader behind calo.ShowerReader, the viewer and the validation:
// layout detection and checks, energies, angles and the cells of the first events.
#include "FuzzSupport.h"

#include "data/ShowerFile.h"

#include <stdexcept>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)tf::fuzz::registry();  // silences HDF5's error stack
  const std::string path = tf::fuzz::scratchFile(data, size, ".h5");
  try {
    if (tf::data::ShowerFile::detect(path) == tf::data::ShowerFormat::None) return 0;
    const tf::data::ShowerFile f(path);
    // A small file may declare any number of unwritten events; read what a viewer would.
    const std::int64_t n = std::min<std::int64_t>(f.events(), 4);
    if (n <= 0) return 0;
    (void)f.energies(0, n);
    (void)f.angles(0, n);
    const std::int64_t cells = f.cellsPerEvent();
    if (cells <= 0 || cells > (std::int64_t{1} << 22)) return 0;
    std::vector<float> out(static_cast<std::size_t>(cells * n));
    f.readCells(0, n, out.data());
    (void)tf::data::describeCaloChallengeVoxels(cells);
  } catch (const std::exception&) {
  }
  return 0;
}
