// The machine's measured peak for the training benchmarks to be compared with: single-precision
// matrix products through the same path LibTorch's Linear layers take (at::mm -> the BLAS that
// libblas.so.3 points at). Prints the best GFLOP/s of REPS products of N x N by N x N.
//   gemm_peak THREADS [N [REPS]]   (THREADS: BLAS threads; LibTorch's intra-op threads as well)
#include "exec/Threads.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: gemm_peak THREADS [N [REPS]]\n");
    return 2;
  }
  const int threads = std::atoi(argv[1]);
  const std::int64_t n = argc > 2 ? std::atoll(argv[2]) : 2048;
  const int reps = argc > 3 ? std::atoi(argv[3]) : 10;
  setenv("TWINFORGE_BLAS_THREADS", std::to_string(threads).c_str(), 1);
  const tf::ComputeThreads ct = tf::setComputeThreads(threads);
  const at::Tensor a = at::randn({n, n}), b = at::randn({n, n});
  at::Tensor c = at::mm(a, b);  // warm-up: pages, BLAS buffers, threads
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    at::mm_out(c, a, b);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  const double gflops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n) / best / 1e9;
  std::printf("sgemm %lldx%lld threads=%d (%s): %.1f GFLOP/s (best of %d)\n", static_cast<long long>(n),
              static_cast<long long>(n), threads, ct.blasName.empty() ? "reference BLAS or LibTorch's own" : ct.blasName.c_str(),
              gflops, reps);
  return 0;
}
