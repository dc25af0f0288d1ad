#include "train/Device.h"

#include "dist/Environment.h"

#include <ATen/autocast_mode.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <cstdlib>
#include <stdexcept>

namespace tf {

bool libtorchHasCuda() {
#ifdef TWINFORGE_WITH_CUDA
  return true;
#else
  return false;
#endif
}

namespace {

// This rank's GPU: LOCAL_RANK of torchrun, Open MPI or SLURM, as the data-parallel start-up reads it.
int localRank() { return dist::detectEnvironment().localRank; }

[[noreturn]] void noCuda(const std::string& param, const std::string& spec, const std::string& why) {
  throw std::runtime_error(param + ": " + spec + " was asked for, but " + why + "; use " + param +
                           ": cpu (or auto, which takes a GPU only when there is one)");
}

c10::Device cudaDevice(const std::string& param, const std::string& spec, int index) {
  if (!libtorchHasCuda())
    noCuda(param, spec,
           "this build of TwinForge uses a LibTorch without CUDA (" TORCH_VERSION
           "); build against PyPI's torch with scripts/build-torch2.sh for GPUs");
  const auto count = static_cast<int>(torch::cuda::device_count());
  if (count == 0) noCuda(param, spec, "no CUDA GPU is visible to this process (check CUDA_VISIBLE_DEVICES and the driver)");
  if (index >= count)
    noCuda(param, spec,
           "only " + std::to_string(count) + " GPU(s) are visible (cuda:0" +
               (count > 1 ? "..cuda:" + std::to_string(count - 1) : std::string()) + ")");
  return c10::Device(c10::DeviceType::CUDA, static_cast<c10::DeviceIndex>(index));
}

}  // namespace

c10::Device resolveDevice(const std::string& spec, const std::string& param) {
  if (spec == "cpu") return c10::Device(c10::DeviceType::CPU);
  if (spec == "auto") {
    if (libtorchHasCuda() && torch::cuda::device_count() > 0)
      return cudaDevice(param, spec, localRank() % static_cast<int>(torch::cuda::device_count()));
    return c10::Device(c10::DeviceType::CPU);
  }
  if (spec == "cuda") return cudaDevice(param, spec, localRank());
  if (spec.rfind("cuda:", 0) == 0) {
    const std::string n = spec.substr(5);
    char* end = nullptr;
    const long i = n.empty() ? -1 : std::strtol(n.c_str(), &end, 10);
    if (i >= 0 && end && *end == '\0' && i < 1024) return cudaDevice(param, spec, static_cast<int>(i));
  }
  throw std::runtime_error(param + ": '" + spec + "' is not a device: expected cpu, cuda, cuda:N or auto");
}

std::string describeDevice(const c10::Device& d) {
  if (d.is_cpu()) return "cpu";
  return d.str() + " (" + std::to_string(torch::cuda::device_count()) + " GPU(s) visible)";
}

void checkPrecision(const std::string& precision, const c10::Device& d, const std::string& param) {
  if (precision == "fp32") return;
  if (precision != "bf16")
    throw std::runtime_error(param + ": '" + precision + "' is not a precision: expected fp32 or bf16");
#if TORCH_VERSION_MAJOR < 2
  (void)d;
  throw std::runtime_error(param + ": bf16 needs LibTorch 2.x (its autocast); this build uses LibTorch " TORCH_VERSION
                           "; use " + param + ": fp32, or build against PyPI's torch with scripts/build-torch2.sh");
#else
  (void)d;
#endif
}

PrecisionScope::PrecisionScope(const std::string& precision, const c10::Device& d, const std::string& param) {
  checkPrecision(precision, d, param);
  if (precision != "bf16") return;
#if TORCH_VERSION_MAJOR >= 2
  type_ = d.type();
  wasEnabled_ = at::autocast::is_autocast_enabled(type_);
  previousType_ = at::autocast::get_autocast_dtype(type_);
  at::autocast::set_autocast_dtype(type_, at::kBFloat16);
  at::autocast::set_autocast_enabled(type_, true);
  at::autocast::increment_nesting();
  active_ = true;
#endif
}

PrecisionScope::~PrecisionScope() {
#if TORCH_VERSION_MAJOR >= 2
  if (!active_) return;
  // Casts cached for the weights are dropped when the outermost scope ends, as torch.autocast does.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_autocast_enabled(type_, wasEnabled_);
  at::autocast::set_autocast_dtype(type_, previousType_);
#endif
}

}  // namespace tf
