// The one C entry point a plugin exports, and the loader that finds plugins on the plugin path.
// A plugin that fails to load is reported, never fatal: pipelines using it show placeholders.
#pragma once

#include "registry/Registry.h"

#include <string>
#include <vector>

#define TWINFORGE_PLUGIN_ABI 1

// In a plugin:  TWINFORGE_PLUGIN(myplugin) { reg.add(...); }
#define TWINFORGE_PLUGIN(NAME)                                                                                \
  static void twinforge_plugin_body_##NAME(tf::Registry& reg);                                                \
  extern "C" __attribute__((visibility("default"))) int twinforge_register_plugin(tf::Registry* reg, int abi, \
                                                                                  const char** name) {        \
    *name = #NAME;                                                                                            \
    if (abi != TWINFORGE_PLUGIN_ABI) return TWINFORGE_PLUGIN_ABI;                                             \
    reg->setCurrentPlugin(#NAME);                                                                             \
    twinforge_plugin_body_##NAME(*reg);                                                                       \
    return 0;                                                                                                 \
  }                                                                                                           \
  static void twinforge_plugin_body_##NAME(tf::Registry& reg)

namespace tf {

struct PluginLoadResult {
  std::string file;
  std::string name;  // empty when it failed before telling its name
  bool ok = false;
  std::string error;  // why it failed: dlopen message, missing entry point, ABI, exception
};

// Directories searched, in order: TWINFORGE_PLUGIN_PATH (colon-separated), then
// <exe>/../plugins (build tree) and <exe>/../lib/twinforge/plugins (install).
std::vector<std::string> defaultPluginPath();

// Loads every lib*.so in the given directories (missing directories are skipped).
std::vector<PluginLoadResult> loadPlugins(Registry& reg, const std::vector<std::string>& dirs);
PluginLoadResult loadPlugin(Registry& reg, const std::string& file);

}  // namespace tf
