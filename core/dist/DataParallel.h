// Data parallelism for a torch::nn::Module over a World, written here because LibTorch has no
// C++ DDP class. At construction rank 0's parameters and buffers are broadcast. During each
// backward pass, gradient hooks copy gradients into flat buckets (in reverse parameter order,
// the order autograd produces them) and start each bucket's all-reduce as soon as it is full,
// in bucket order on every rank, so communication overlaps the rest of the backward pass.
// finish() waits for them and writes the averaged gradients back before the optimizer step.
#pragma once

#include "dist/World.h"

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace tf::dist {

class DataParallel {
 public:
  DataParallel(torch::nn::Module& model, World& world, std::int64_t bucketBytes = 25ll << 20);
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  // This rank's share of the global batch for the next backward passes: its gradients are
  // scaled by it before the sum, so the result is the gradient of the global mean loss even
  // when ranks hold different numbers of samples. Default 1/world.
  void setWeight(double w);
  // Waits for every bucket of the pass (starting those whose parameters got no gradient)
  // and replaces each parameter's gradient by the weighted sum over ranks.
  void finish();
  bool pending() const;  // a backward pass ran and finish() was not called
  // Rank 0's buffers (BatchNorm running statistics) to every rank, as DDP does before each
  // forward pass; tasks whose networks have such buffers call it after their updates.
  void broadcastBuffers();

  std::size_t bucketCount() const;

  // Where the time goes, summed over passes: from the first bucket's start to the last one's
  // end (communication, overlapped or not), and the part finish() spent blocked.
  struct Stats {
    std::int64_t passes = 0;
    double bytes = 0, syncSeconds = 0, waitSeconds = 0;
  };
  const Stats& stats() const;
  World& world() { return world_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> d_;
  World& world_;
  torch::nn::Module* model_ = nullptr;
};

}  // namespace tf::dist
