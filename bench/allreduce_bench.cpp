// Gradient all-reduce throughput: TwinForge's DataParallel (hooks fill buckets, bucketed
// all-reduce, weighted gradients written back) against a bare c10d all-reduce loop on one
// buffer of the same size. Start two ranks with RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT.
//   allreduce_bench MEGABYTES ITERATIONS [BUCKET_MB]
// Rank 0 prints bytes per second of gradients synchronised, for both.
#include "dist/DataParallel.h"
#include "dist/World.h"
#include "exec/Allocator.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/nn/module.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// Eight parameters of equal size; loss = sum(p * c) makes each gradient c, nearly free.
struct Params : torch::nn::Module {
  explicit Params(std::int64_t floats) {
    for (int i = 0; i < 8; ++i) ps.push_back(register_parameter("p" + std::to_string(i), at::zeros({floats / 8})));
  }
  std::vector<at::Tensor> ps;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: allreduce_bench MEGABYTES ITERATIONS [BUCKET_MB]\n");
    return 2;
  }
  const double mb = std::stod(argv[1]);
  const int iters = std::stoi(argv[2]);
  const double bucketMb = argc > 3 ? std::stod(argv[3]) : 25;
  if (!std::getenv("TWINFORGE_DEFAULT_MALLOC")) tf::tuneAllocatorForTraining();  // as twinforge-run does
  at::set_num_threads(1);
  const auto env = tf::dist::detectEnvironment();
  auto world = tf::dist::World::connect(env);
  const auto floats = static_cast<std::int64_t>(mb * 1024 * 1024 / 4) / 8 * 8;
  const double bytes = static_cast<double>(floats) * 4;

  // Bare: one buffer, all-reduce, wait.
  at::Tensor buf = at::ones({floats});
  std::vector<double> bare;
  for (int i = 0; i < iters + 2; ++i) {
    world->barrier();
    auto t0 = Clock::now();
    world->allreduceSumNow(buf);
    if (i >= 2) bare.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }

  // DataParallel in a backward pass: its own clock runs from the first bucket's all-reduce to
  // the last gradient written back (see DataParallel::Stats).
  Params model(floats);
  tf::dist::DataParallel dp(model, *world, static_cast<std::int64_t>(bucketMb * 1024 * 1024));
  std::vector<double> sync, wait;
  for (int i = 0; i < iters + 2; ++i) {
    for (auto& p : model.ps) p.mutable_grad() = at::Tensor();
    at::Tensor loss = at::zeros({});
    for (auto& p : model.ps) loss = loss + (p * 0.5).sum();
    world->barrier();
    const auto before = dp.stats();
    loss.backward();
    dp.finish();
    if (i >= 2) {
      sync.push_back(dp.stats().syncSeconds - before.syncSeconds);
      wait.push_back(dp.stats().waitSeconds - before.waitSeconds);
    }
  }
  if (env.rank == 0) {
    const double b = median(bare), s = median(sync);
    std::printf(
        "%.2f MB in %zu bucket(s) of <= %.0f MB: bare c10d all-reduce %.2f ms = %.0f MB/s; DataParallel %.2f ms = %.0f "
        "MB/s (%.2f ms of it blocked in finish); DataParallel/bare throughput %.2f\n",
        mb, dp.bucketCount(), bucketMb, b * 1e3, bytes / b / 1e6, s * 1e3, bytes / s / 1e6, median(wait) * 1e3, b / s);
  }
  // The gradients are the sums: check, so the figure is of work that was done.
  const float expect = 0.5f;  // each rank's 0.5 weighted by 1/2, summed over 2 ranks
  if (std::abs(model.ps[0].grad()[0].item<float>() - expect * static_cast<float>(world->size()) / 2) > 1e-6f) {
    std::fprintf(stderr, "allreduce_bench: wrong gradient %f\n", model.ps[0].grad()[0].item<float>());
    return 1;
  }
  world->barrier();
  return 0;
}
