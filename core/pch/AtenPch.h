// Precompiled header for core's and plugins' tensor code. Measured on the 2-core machine:
// a PCH of <torch/torch.h> (570 MB) costs 6.6 s just to load and made files slower, while
// this one (ATen + JSON, 290 MB) halves their compile time (10 s -> 5 s). Files that need
// torch::nn or torch::optim include those headers themselves, and there are few of them.
#pragma once
#include <ATen/ATen.h>
#include <nlohmann/json.hpp>
