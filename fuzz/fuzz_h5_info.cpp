// `twinforge-run info FILE` and the workbench's drag and drop: every file inspector (core's
// HDF5 ones and the plugins', the calorimeter reader among them) on one HDF5 file.
#include "FuzzSupport.h"

#include <sstream>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const tf::Registry& reg = tf::fuzz::registry();
  const std::string path = tf::fuzz::scratchFile(data, size, ".h5");
  std::ostringstream out;
  try {
    reg.inspect(path, out);
  } catch (const std::exception&) {  // a clear error is the right answer to a bad file
  }
  return 0;
}
