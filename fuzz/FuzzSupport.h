// Shared by the fuzz targets: the registry every program starts with (built-ins and the
// project's plugins), and a scratch file for readers that take a path (HDF5 opens by name).
#pragma once

#include "components/Builtins.h"
#include "io/Hdf5.h"
#include "registry/Registry.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace tf::fuzz {

inline const Registry& registry() {
  static const Registry* reg = [] {
    auto* r = new Registry;
    loadAllComponents(*r, {TF_PLUGIN_DIR});
    h5::silenceErrorStack();
    return r;
  }();
  return *reg;
}

// The input as a file of this process's own (several fuzzers may run side by side).
inline std::string scratchFile(const std::uint8_t* data, std::size_t size, const char* suffix) {
  static const std::string path = [&] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/twinforge-fuzz-" + std::to_string(::getpid()) + suffix;
  }();
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  return path;
}

}  // namespace tf::fuzz
