#include "exec/Threads.h"

#include <ATen/Parallel.h>

#include <cstdlib>
#include <dlfcn.h>

namespace tf {

namespace {

int positiveFromEnv(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return 0;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  return (*end == '\0' && n > 0 && n < 4096) ? static_cast<int>(n) : 0;
}

}  // namespace

ComputeThreads setComputeThreads(int threads) {
  ComputeThreads t;
  t.intraOp = threads > 0 ? threads : 1;
  at::set_num_threads(t.intraOp);
  // OpenBLAS is found in the process (LibTorch links libblas.so.3, which Debian's alternatives
  // point at OpenBLAS once it is installed); the reference BLAS has no threads to set.
  using SetFn = void (*)(int);
  using ConfigFn = char* (*)();
  auto set = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (!set) return t;
  int blas = positiveFromEnv("TWINFORGE_BLAS_THREADS");
  if (blas == 0) blas = positiveFromEnv("OPENBLAS_NUM_THREADS");
  if (blas == 0) blas = 1;
  set(blas);
  t.blas = blas;
  if (auto config = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config")))
    if (const char* c = config()) t.blasName = std::string(c).rfind("OpenBLAS", 0) == 0 ? c : std::string("OpenBLAS ") + c;
  return t;
}

}  // namespace tf
