#include "exec/Allocator.h"

#include <c10/core/CPUAllocator.h>
#include <torch/version.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace tf {

namespace {

#if defined(__linux__)
// Tensor memory of 2 MiB and more, aligned to 2 MiB and marked for transparent huge pages: the
// kernel then faults it in 2 MiB at a time instead of 4 KiB. Freed with free(), as LibTorch's
// own CPU allocator does.
class HugePageCpuAllocator final : public c10::Allocator {
 public:
  static constexpr std::size_t kHuge = 2u << 20;
  // LibTorch 2.x made allocate() non-const and added copy_data(); 1.13 has the const form.
#if TORCH_VERSION_MAJOR >= 2
  c10::DataPtr allocate(std::size_t n) override {
#else
  c10::DataPtr allocate(std::size_t n) const override {
#endif
    void* p = raw(n);
    return {p, p, &std::free, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &std::free; }
#if TORCH_VERSION_MAJOR >= 2
  void copy_data(void* dest, const void* src, std::size_t count) const override { std::memcpy(dest, src, count); }
#endif

 private:
  static void* raw(std::size_t n) {
    if (n == 0) return nullptr;
    const bool huge = n >= kHuge;
    const std::size_t align = huge ? kHuge : 64;
    const std::size_t size = huge ? (n + kHuge - 1) / kHuge * kHuge : n;
    void* p = nullptr;
    if (posix_memalign(&p, align, size) != 0 || !p) throw std::bad_alloc();
    if (huge) madvise(p, size, MADV_HUGEPAGE);
    return p;
  }
};

bool kernelOffersHugePages() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string mode;
  std::getline(in, mode);
  return mode.find("[madvise]") != std::string::npos || mode.find("[always]") != std::string::npos;
}
#endif

}  // namespace

bool tuneAllocatorForTraining() {
#if defined(__linux__)
  const char* hp = std::getenv("TWINFORGE_HUGE_PAGES");
  if (!(hp && std::strcmp(hp, "0") == 0) && kernelOffersHugePages()) {
    static HugePageCpuAllocator allocator;
    c10::SetCPUAllocator(&allocator, /*priority=*/1);
  }
#endif
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
