// Where a trainer or a generator runs, and in which precision: the `device` and `precision`
// parameters every trainer and generation component shares. Only <c10/core/Device.h> here, so
// components' headers stay light.
#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <memory>
#include <string>

namespace tf {

// "cpu"; "cuda" (this rank's GPU: LOCAL_RANK of a data-parallel job, else 0); "cuda:N";
// "auto" (this rank's GPU when LibTorch has CUDA and a GPU is visible, else the CPU).
// Throws std::runtime_error naming `param` and saying what to do when the value is malformed or
// CUDA is asked for and absent (a LibTorch without CUDA, no visible GPU, or too few GPUs).
c10::Device resolveDevice(const std::string& spec, const std::string& param = "device");

// Text for logs: "cpu", "cuda:0 (1 GPU visible)".
std::string describeDevice(const c10::Device& d);

// Whether this build's LibTorch was built with CUDA (pip's wheels: yes; Debian's 1.13: no).
bool libtorchHasCuda();

// Mixed precision for what runs in its scope on one thread: precision "fp32" does nothing,
// "bf16" turns on LibTorch's autocast to bfloat16 for the device's type (LibTorch 2.x only:
// the constructor throws on 1.13 naming `param`). Matrix products and convolutions then run in
// bf16, reductions and losses stay fp32, and the weights stay fp32.
class PrecisionScope {
 public:
  PrecisionScope(const std::string& precision, const c10::Device& d, const std::string& param = "precision");
  ~PrecisionScope();
  PrecisionScope(const PrecisionScope&) = delete;
  PrecisionScope& operator=(const PrecisionScope&) = delete;

 private:
  bool active_ = false;
  bool wasEnabled_ = false;
  c10::DeviceType type_ = c10::DeviceType::CPU;
  c10::ScalarType previousType_ = c10::ScalarType::BFloat16;
};

// Throws (naming `param`) when the precision cannot be honoured on this build and device;
// called where the settings are read, so a bad value fails before any training.
void checkPrecision(const std::string& precision, const c10::Device& d, const std::string& param = "precision");

}  // namespace tf
