// The cyclone twin's kernels, timed in-process (bench/cyclone_bench.sh runs them against the
// Python peers in bench/cyclone_peer.py):
//   cyclone_bench infer WIDTH PATCHES BATCH THREADS   VGG_V1 forward passes, patches per second
//   cyclone_bench read FILE VAR                       every time step of VAR, ms per field
//   cyclone_bench baseline FILE                       DetectNodes per step (reading excluded)
#include "Cnn.h"
#include "Cyclones.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace tf::cyclone;
using Clock = std::chrono::steady_clock;

static double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "infer" && argc == 6) {
    VggSpec s;
    s.width = std::atol(argv[2]);
    const long n = std::atol(argv[3]), batch = std::atol(argv[4]);
    at::set_num_threads(std::atoi(argv[5]));
    VggNet net(s);
    net->eval();
    torch::NoGradGuard ng;
    const at::Tensor x = at::rand({n, 4, 40, 40});
    net->forward(x.slice(0, 0, batch));  // warm-up
    const auto t0 = Clock::now();
    for (long b = 0; b < n; b += batch) net->forward(x.slice(0, b, std::min(n, b + batch)));
    const double secs = since(t0);
    std::printf("twinforge infer width %ld: %ld patches in %.3f s, %.0f patches/s\n", s.width, n, secs, n / secs);
    return 0;
  }
  if (mode == "read" && argc == 4) {
    const auto t0 = Clock::now();
    tf::climate::ClimateFile f(argv[2]);
    double sum = 0;
    for (std::size_t t = 0; t < f.timeSteps(); ++t) sum += f.read(argv[3], t).values[0];
    const double secs = since(t0);
    std::printf("twinforge read %s: %zu fields of %zu x %zu in %.3f s, %.2f ms per field (check %.1f)\n", argv[3], f.timeSteps(),
                f.lat().size(), f.lon().size(), secs, 1000 * secs / static_cast<double>(f.timeSteps()), sum);
    return 0;
  }
  if (mode == "baseline" && argc == 3) {
    tf::climate::ClimateFile f(argv[2]);
    const GridView g = gridOf(f);
    BaselineConfig cfg;
    double secs = 0;
    std::size_t nodes = 0;
    for (std::size_t t = 0; t < f.timeSteps(); ++t) {
      const Field msl = f.read("msl", t);
      Field warm = f.read("t_300", t);
      const Field t500 = f.read("t_500", t);
      for (std::size_t k = 0; k < warm.values.size(); ++k) warm.values[k] = 0.5f * (warm.values[k] + t500.values[k]);
      const auto t0 = Clock::now();
      nodes += detectNodes(g, msl, warm, cfg, t).size();
      secs += since(t0);
    }
    std::printf("twinforge baseline: %zu nodes in %zu steps, %.2f ms per step\n", nodes, f.timeSteps(),
                1000 * secs / static_cast<double>(f.timeSteps()));
    return 0;
  }
  std::fprintf(stderr, "usage: cyclone_bench infer WIDTH PATCHES BATCH THREADS | read FILE VAR | baseline FILE\n");
  return 2;
}
