// The pipeline loader as File > Open and twinforge-run meet it: YAML (aliases, flow and block
// styles), ${...} interpolation, --set overrides, the schema checks of every registered
// component, the graph the canvas draws and the YAML written back on save.
// Lines at the top of the form `#set KEY=VALUE` become --set overrides.
#include "FuzzSupport.h"

#include "config/Node.h"
#include "pipeline/Graph.h"
#include "pipeline/PipelineLoader.h"

#include <cstdio>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const tf::Registry& reg = tf::fuzz::registry();
  const std::string text(reinterpret_cast<const char*>(data), size);
  tf::LoadOptions opts;
  for (std::size_t at = 0; text.compare(at, 5, "#set ") == 0;) {
    const auto eol = text.find('\n', at);
    opts.overrides.push_back(text.substr(at + 5, eol == std::string::npos ? std::string::npos : eol - at - 5));
    if (eol == std::string::npos) break;
    at = eol + 1;
  }
  try {
    const tf::LoadedPipeline loaded = tf::PipelineLoader(reg).loadText(text, "fuzz.yaml", opts);
    (void)loaded.diagnostics.str();
    const tf::Graph g = tf::Graph::fromPipeline(reg, loaded.pipeline);
    (void)g.order();
    for (const auto& name : g.order()) (void)g.unconnectedInputs(name);
    // What Save writes must read back (the canvas saves the raw document).
    const std::string saved = tf::cfg::toYaml(loaded.raw);
    const tf::cfg::Node again = tf::cfg::parseYaml(saved, "saved.yaml");
    if (again != loaded.raw) {
      std::fprintf(stderr, "saved YAML reads back differently; it was:\n%s\nand reads back as:\n%s\n", saved.c_str(),
                   tf::cfg::toYaml(again).c_str());
      __builtin_trap();
    }
  } catch (const tf::LoadError&) {
  } catch (const tf::cfg::ParseError&) {
  }
  return 0;
}
