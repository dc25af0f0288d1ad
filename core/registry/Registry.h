// The catalogue of components (by class path) and data-file inspectors that core and
// plugins contribute. The GUI palette, the YAML loader and --list-components read it.
#pragma once

#include "registry/Schema.h"

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace tf {

namespace cfg {
class Node;
}
class Diagnostics;

// A top-level value of pipeline files that some part of TwinForge owns (`loggers:`): the
// loader hands the value (null when absent) to `check`, knowing nothing of who reads it.
struct TopLevelSetting {
  std::string key;
  std::string doc;
  std::function<void(const cfg::Node* value, Diagnostics& diags)> check;
};

// Recognises a data file for `twinforge-run info`; writes what it found and returns true.
struct FileInspector {
  std::string name;  // "HDF5", "synthetic regression set"
  std::string plugin;
  std::function<bool(const std::string& path, std::ostream& out)> inspect;
};

class Registry {
 public:
  // Throws std::invalid_argument on a duplicate or malformed class path.
  void add(ComponentInfo info);
  const ComponentInfo* find(const std::string& classPath) const;
  std::vector<const ComponentInfo*> all() const;  // sorted by class path
  // Known class paths most like `name` (best first), for "did you mean" messages.
  std::vector<std::string> closest(const std::string& name, std::size_t n = 3) const;

  void addFileInspector(FileInspector inspector);
  const std::vector<FileInspector>& fileInspectors() const { return inspectors_; }
  // The inspectors in order until one recognises `path` (what it wrote goes to `out`): that
  // one, or null. An inspector's exception passes through.
  const FileInspector* inspect(const std::string& path, std::ostream& out) const;

  void addSetting(TopLevelSetting setting) { settings_.push_back(std::move(setting)); }
  const std::vector<TopLevelSetting>& settings() const { return settings_; }

  // The plugin being registered; stamped on what it adds.
  void setCurrentPlugin(std::string name) { currentPlugin_ = std::move(name); }

 private:
  std::map<std::string, ComponentInfo> components_;
  std::vector<FileInspector> inspectors_;
  std::vector<TopLevelSetting> settings_;
  std::string currentPlugin_ = "core";
};

}  // namespace tf
