// Which samples one rank of a data-parallel job trains on. Every rank draws the same
// permutation of the training set for each epoch (from the seed and the epoch alone, so a
// resumed run draws it again) and takes its contiguous share of each global batch of
// batch_size x ranks samples; ranks see disjoint samples and stay in step.
#pragma once

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cstdint>
#include <utility>

namespace tf {

class RankSampler {
 public:
  RankSampler(std::int64_t samples, std::int64_t batchPerRank, int rank, int ranks, std::uint64_t seed)
      : n_(samples), rank_(rank), ranks_(ranks), seed_(seed), global_(std::min(batchPerRank * ranks, samples)) {}

  std::int64_t globalBatch() const { return global_; }
  std::int64_t batches() const { return (n_ + global_ - 1) / global_; }

  void startEpoch(std::int64_t epoch) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed_ * 1000003ull + static_cast<std::uint64_t>(epoch));
    perm_ = at::randperm(n_, gen, at::TensorOptions().dtype(at::kLong));
  }

  // This rank's part of batch b of the epoch.
  struct Share {
    at::Tensor indices;   // undefined when the batch is a tail too small to give every rank a sample
    std::int64_t size = 0;  // samples in the whole global batch
    double weight = 0;      // this rank's fraction of them
  };
  Share batch(std::int64_t b) const {
    const std::int64_t start = b * global_, m = std::min(global_, n_ - start);
    Share s;
    s.size = m;
    if (m < ranks_) return s;
    const auto [lo, hi] = shard(m);
    s.indices = perm_.slice(0, start + lo, start + hi);
    s.weight = static_cast<double>(hi - lo) / static_cast<double>(m);
    return s;
  }

  // This rank's contiguous share [lo, hi) of m items.
  std::pair<std::int64_t, std::int64_t> shard(std::int64_t m) const { return {rank_ * m / ranks_, (rank_ + 1) * m / ranks_}; }

 private:
  std::int64_t n_;
  int rank_, ranks_;
  std::uint64_t seed_;
  std::int64_t global_;
  at::Tensor perm_;
};

}  // namespace tf
