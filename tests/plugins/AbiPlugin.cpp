// A plugin built against a future plugin ABI: the loader must refuse it with a clear reason.
// A fixture, not a test: tests/core/test_registry.cpp (badPluginsAreReportedNotFatal)
// asserts the refusal names ABI 99 and the loader's own ABI.
#include "registry/Registry.h"

extern "C" __attribute__((visibility("default"))) int twinforge_register_plugin(tf::Registry*, int, const char** name) {
  *name = "future";
  return 99;
}
