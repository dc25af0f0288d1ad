#include "components/Builtins.h"

#include "config/Diagnostics.h"
#include "io/Hdf5.h"
#include "registry/Registry.h"
#include "track/Loggers.h"

#include <ostream>

namespace tf {

// Generic HDF5 listing: every dataset with shape and type, and the file's attributes.
// Plugins register more specific inspectors that run before this one.
void registerHdf5Inspector(Registry& reg) {
  reg.addFileInspector({"HDF5", "", [](const std::string& path, std::ostream& out) {
                          if (!h5::isHdf5(path)) return false;
                          h5::File f = h5::File::open(path);
                          out << "Format: HDF5\n";
                          auto attrs = f.attributes("/");
                          if (!attrs.empty()) {
                            out << "Attributes:\n";
                            for (const auto& [k, v] : attrs) out << "  " << k << " = " << v << "\n";
                          }
                          out << "Datasets:\n";
                          h5::printDatasets(f, out);
                          return true;
                        }});
}

void registerBuiltins(Registry& reg) {
  reg.setCurrentPlugin("core");
  registerMlp(reg);
  registerHdf5Reader(reg);
  registerTrainValSplit(reg);
  registerMlpTrainer(reg);
  registerModelSaver(reg);
  registerTorchScriptPredictor(reg);
  registerHdf5Inspector(reg);
  reg.addSetting({"loggers", "Where a run writes its metrics: a list of mlflow, tensorboard, csv, console (default: mlflow)",
                  [](const cfg::Node* value, Diagnostics& diags) { track::parseLoggers(value, diags); }});
}

std::vector<PluginLoadResult> loadAllComponents(Registry& reg, const std::vector<std::string>& extraDirs) {
  registerBuiltins(reg);
  auto dirs = extraDirs;
  for (auto& d : defaultPluginPath()) dirs.push_back(d);
  return loadPlugins(reg, dirs);
}

}  // namespace tf
