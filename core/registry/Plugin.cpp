#include "registry/Plugin.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <stdexcept>

namespace fs = std::filesystem;

namespace tf {

namespace {
std::string exeDir() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.parent_path().string();
}
}  // namespace

std::vector<std::string> defaultPluginPath() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("TWINFORGE_PLUGIN_PATH")) {
    std::string s = env;
    std::size_t start = 0;
    while (start <= s.size()) {
      auto end = s.find(':', start);
      if (end == std::string::npos) end = s.size();
      if (end > start) dirs.push_back(s.substr(start, end - start));
      start = end + 1;
    }
  }
  const std::string exe = exeDir();
  if (!exe.empty()) {
    dirs.push_back(exe + "/../plugins");
    dirs.push_back(exe + "/../lib/twinforge/plugins");
  }
  return dirs;
}

using EntryPoint = int (*)(Registry*, int, const char**);

PluginLoadResult loadPlugin(Registry& reg, const std::string& file) {
  PluginLoadResult r;
  r.file = file;
  // RTLD_LOCAL keeps plugins from seeing each other's symbols; NOW surfaces missing symbols here.
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* err = dlerror();
    r.error = std::string("cannot load: ") + (err ? err : "unknown dlopen error");
    return r;
  }
  auto entry = reinterpret_cast<EntryPoint>(dlsym(handle, "twinforge_register_plugin"));
  if (!entry) {
    r.error = "not a TwinForge plugin: it has no 'twinforge_register_plugin' entry point";
    dlclose(handle);
    return r;
  }
  // Components added by a plugin that then fails are kept only if registration finished.
  Registry trial = reg;
  const char* name = nullptr;
  try {
    trial.setCurrentPlugin(fs::path(file).stem().string());
    int rc = entry(&trial, TWINFORGE_PLUGIN_ABI, &name);
    if (name) r.name = name;
    if (rc != 0) {
      r.error = "built for plugin ABI " + std::to_string(rc) + ", this TwinForge has ABI " +
                std::to_string(TWINFORGE_PLUGIN_ABI) + "; rebuild the plugin";
      return r;  // handle stays open: unloading code that may have run is not worth the risk
    }
  } catch (const std::exception& e) {
    r.error = std::string("registration failed: ") + e.what();
    return r;
  }
  trial.setCurrentPlugin("core");
  reg = std::move(trial);
  r.ok = true;
  return r;
}

std::vector<PluginLoadResult> loadPlugins(Registry& reg, const std::vector<std::string>& dirs) {
  std::vector<PluginLoadResult> results;
  std::set<std::string> seen;  // the same plugin found through two paths loads once
  for (const auto& d : dirs) {
    std::error_code ec;
    if (!fs::is_directory(d, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(d, ec)) {
      const auto name = e.path().filename().string();
      if (e.is_regular_file() && e.path().extension() == ".so" && name.rfind("lib", 0) == 0) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      auto canon = fs::weakly_canonical(f, ec).string();
      if (!seen.insert(f.filename().string()).second) continue;
      results.push_back(loadPlugin(reg, canon.empty() ? f.string() : canon));
    }
  }
  return results;
}

}  // namespace tf
