// Benchmarks of the pipeline engine (not tests): loading + validating a large pipeline, and
// the executor's own cost per step around a step that does nothing.
//   pipeline_bench gen STEPS FILE      write a pipeline of STEPS no-op steps (shared with the Python peer)
//   pipeline_bench load FILE REPEAT    median ms to load, interpolate and validate FILE
//   pipeline_bench exec STEPS REPEAT   median µs of executor overhead per no-op step
#include "exec/Component.h"
#include "exec/Executor.h"
#include "exec/Params.h"
#include "pipeline/PipelineLoader.h"
#include "registry/Registry.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

struct Noop : tf::Component {
  tf::Artifacts run(tf::StepContext&, const tf::Artifacts& in) override {
    tf::Artifact a;
    a.type = "Metrics";
    if (in.count("in")) a.meta = in.at("in").meta;
    return {{"out", a}};
  }
};

void registerNoop(tf::Registry& reg) {
  tf::ComponentInfo c;
  c.classPath = "bench.Noop";
  c.doc = "does nothing";
  c.params = {tf::ParamSpec::Int("size", "1").atLeast(1), tf::ParamSpec::Float("rate", "0.1").above(0),
              tf::ParamSpec::Enum("mode", {"a", "b", "c"}, "a"), tf::ParamSpec::String("label", "x")};
  c.inputs = {{"in", "Metrics", "", true}};
  c.outputs = {{"out", "Metrics", "", false}};
  c.factory = [](const tf::Params&) -> tf::Component* { return new Noop; };
  reg.add(c);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

using Clock = std::chrono::steady_clock;

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: pipeline_bench gen STEPS FILE | load FILE REPEAT | exec STEPS REPEAT\n");
    return 2;
  }
  const std::string mode = argv[1];
  tf::Registry reg;
  registerNoop(reg);

  if (mode == "gen") {
    const int n = std::stoi(argv[2]);
    std::ofstream out(argv[3]);
    out << "size: 4\nrate: 0.5\nlabel_prefix: step\n\npipeline:\n  _target_: itwinai.pipeline.Pipeline\n  steps:\n";
    for (int i = 0; i < n; ++i)
      out << "    s" << i << ":\n      _target_: bench.Noop\n      size: ${size}\n      rate: ${rate}\n      mode: "
          << "abc"[i % 3] << "\n      label: ${label_prefix}-" << i << "\n";
    return 0;
  }
  if (mode == "load") {
    tf::PipelineLoader loader(reg);
    const int repeat = std::stoi(argv[3]);
    std::vector<double> ms;
    std::size_t steps = 0;
    for (int i = 0; i < repeat; ++i) {
      auto t0 = Clock::now();
      auto lp = loader.loadFile(argv[2]);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (!lp.runnable()) {
        std::fputs(lp.diagnostics.str().c_str(), stderr);
        return 1;
      }
      steps = lp.pipeline.steps.size();
    }
    std::printf("load+validate %zu steps: median %.3f ms\n", steps, median(ms));
    return 0;
  }
  if (mode == "exec") {
    const int n = std::stoi(argv[2]), repeat = std::stoi(argv[3]);
    std::string text = "p:\n  steps:\n";
    for (int i = 0; i < n; ++i) text += "    - {_target_: bench.Noop}\n";
    auto lp = tf::PipelineLoader(reg).loadText(text, "bench.yaml");
    const auto dir = std::filesystem::temp_directory_path() / "twinforge-bench-exec";
    for (bool save : {false, true}) {
      std::vector<double> us;
      for (int r = 0; r < repeat; ++r) {
        std::filesystem::remove_all(dir);
        tf::Executor ex(reg, lp.pipeline, dir);
        tf::RunOptions o;
        o.saveArtifacts = save;
        o.threads = 1;
        auto t0 = Clock::now();
        if (ex.run(o) != tf::Executor::Status::Finished) return 1;
        us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / n);
      }
      std::printf("executor overhead per no-op step (%s): median %.2f us\n",
                  save ? "outputs saved to disk" : "in memory", median(us));
    }
    std::filesystem::remove_all(dir);
    return 0;
  }
  std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
  return 2;
}
