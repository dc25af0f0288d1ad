// `twinforge-run info FILE` and the workbench's drag and drop: every file inspector (core's
// HDF5 ones and the plugins', the calorimeter reader among them) on one HDF5 file.
#include "FuzzSupport.h"

#include <sstream>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const tf::Registry& reg = tf::fuzz::registry();
  const std::string path = tf::fuzz::scratchFile(data, size, ".h5");
  for (const auto& insp : reg.fileInspectors()) {
    std::ostringstream out;
    try {
      if (insp.inspect(path, out)) break;
    } catch (const std::exception&) {  // a clear error is the right answer to a bad file
      break;
    }
  }
  return 0;
}
