// How many cores the numerical libraries may use. LibTorch's intra-op pool (OpenMP) and
// OpenBLAS's own pthread pool both spin while they wait for work; left alone on a 2-core
// machine they take turns on the same cores (measured: the example MLP pipeline 7.0 s instead
// of 2.5 s). One call sets both.
#pragma once

#include <string>

namespace tf {

struct ComputeThreads {
  int intraOp = 1;  // LibTorch's pool
  int blas = 0;     // OpenBLAS's pool; 0 when the BLAS in use has no thread setting
  std::string blasName;  // "OpenBLAS 0.3.21 ...", or "" when none was found
};

// Sets LibTorch's intra-op threads to `threads` and OpenBLAS's to `blasThreads` (1 by default:
// LibTorch's matrix products are called from one thread, and OpenBLAS's threads would spin
// against LibTorch's; TWINFORGE_BLAS_THREADS or OPENBLAS_NUM_THREADS override it). Returns what
// was set.
ComputeThreads setComputeThreads(int threads);

}  // namespace tf
