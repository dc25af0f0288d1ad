#include "exec/Allocator.h"

#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tf {

bool tuneAllocatorForTraining() {
#if defined(__GLIBC__)
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TRIM_THRESHOLD_")) return false;
  // 32 MB is glibc's largest mmap threshold on 64-bit; setting it also stops the adaptation.
  const bool a = mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024) == 1;
  const bool b = mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024) == 1;
  return a && b;
#else
  return false;
#endif
}

}  // namespace tf
