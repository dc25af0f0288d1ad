// A plugin built against a future plugin ABI: the loader must refuse it with a clear reason.
#include "registry/Registry.h"

extern "C" __attribute__((visibility("default"))) int twinforge_register_plugin(tf::Registry*, int, const char** name) {
  *name = "future";
  return 99;
}
