#include "dist/DataParallel.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>

namespace tf::dist {

struct DataParallel::Impl {
  struct Slot {
    at::Tensor param;
    std::size_t bucket;
    std::int64_t offset, numel;
    bool ready = false;
  };
  struct Bucket {
    at::Tensor flat;
    std::vector<std::size_t> slots;
    std::size_t missing = 0;  // slots not yet ready in this pass
    bool launched = false, touched = false;
    std::shared_ptr<Work> work;
  };
  World& world;
  std::vector<Slot> slots;
  std::vector<Bucket> buckets;
  std::size_t nextLaunch = 0;  // buckets start strictly in order, the same on every rank
  bool active = false;
  at::Tensor weight;  // 0-dim, this rank's share
  std::vector<unsigned> hooks;  // per slot, removed with the wrapper (the model may outlive it)
  std::mutex mu;      // hooks may run on autograd's worker threads
  Stats stats;
  std::chrono::steady_clock::time_point firstLaunch;

  explicit Impl(World& w) : world(w) {}

  void beginPass() {
    active = true;
    nextLaunch = 0;
    for (auto& b : buckets) {
      b.missing = b.slots.size();
      b.launched = b.touched = false;
      b.work.reset();
    }
    for (auto& s : slots) s.ready = false;
  }

  void launchReady() {
    while (nextLaunch < buckets.size() && buckets[nextLaunch].missing == 0) {
      auto& b = buckets[nextLaunch++];
      if (nextLaunch == 1) firstLaunch = std::chrono::steady_clock::now();
      b.work = world.allreduceSum(b.flat);
      b.launched = true;
    }
  }

  void onGrad(std::size_t i, const at::Tensor& grad) {
    std::lock_guard<std::mutex> lock(mu);
    if (!active) beginPass();
    Slot& s = slots[i];
    Bucket& b = buckets[s.bucket];
    at::Tensor dst = b.flat.narrow(0, s.offset, s.numel);
    at::mul_out(dst, grad.reshape({-1}), weight);
    if (!s.ready) {
      s.ready = true;
      b.touched = true;
      --b.missing;
    }
    launchReady();
  }
};

namespace {

// Rank 0's values into `tensors` on every rank: one broadcast per dtype of flattened tensors.
void broadcastFromRankZero(World& world, const std::vector<at::Tensor>& tensors) {
  torch::NoGradGuard ng;
  std::map<int, std::vector<at::Tensor>> byType;
  for (const auto& t : tensors)
    if (t.defined() && t.numel() > 0) byType[static_cast<int>(t.scalar_type())].push_back(t);
  for (auto& [type, ts] : byType) {
    std::vector<at::Tensor> flat;
    for (auto& t : ts) flat.push_back(t.reshape({-1}));
    at::Tensor buf = at::cat(flat);
    world.broadcast(buf, 0);
    std::int64_t off = 0;
    for (auto& t : ts) {
      t.copy_(buf.narrow(0, off, t.numel()).view_as(t));
      off += t.numel();
    }
  }
}

}  // namespace

void DataParallel::broadcastBuffers() {
  std::vector<at::Tensor> buffers;
  for (auto& b : model_->buffers()) buffers.push_back(b);
  if (!buffers.empty()) broadcastFromRankZero(world_, buffers);
}

DataParallel::DataParallel(torch::nn::Module& model, World& world, std::int64_t bucketBytes)
    : d_(std::make_unique<Impl>(world)), world_(world) {
  if (bucketBytes <= 0) throw std::invalid_argument("bucket size must be positive");
  d_->weight = at::scalar_tensor(1.0 / world.size(), at::kFloat);
  {
    // Everyone starts from rank 0's weights.
    std::vector<at::Tensor> all;
    for (auto& p : model.parameters()) all.push_back(p);
    for (auto& b : model.buffers()) all.push_back(b);
    broadcastFromRankZero(world, all);
  }
  model_ = &model;
  // Buckets over trainable parameters in reverse registration order.
  auto params = model.parameters();
  std::int64_t used = 0;
  for (auto it = params.rbegin(); it != params.rend(); ++it) {
    if (!it->requires_grad() || it->numel() == 0) continue;
    if (it->scalar_type() != at::kFloat && it->scalar_type() != at::kDouble && it->scalar_type() != at::kHalf &&
        it->scalar_type() != at::kBFloat16)
      continue;
    const std::int64_t bytes = it->numel() * static_cast<std::int64_t>(it->element_size());
    const bool sameType = !d_->buckets.empty() && !d_->buckets.back().slots.empty() &&
                          d_->slots[d_->buckets.back().slots.front()].param.scalar_type() == it->scalar_type();
    if (d_->buckets.empty() || !sameType || (used > 0 && used + bytes > bucketBytes)) {
      d_->buckets.emplace_back();
      used = 0;
    }
    Impl::Slot s{*it, d_->buckets.size() - 1, 0, it->numel()};
    auto& b = d_->buckets.back();
    if (!b.slots.empty()) {
      const auto& last = d_->slots[b.slots.back()];
      s.offset = last.offset + last.numel;
    }
    b.slots.push_back(d_->slots.size());
    d_->slots.push_back(s);
    used += bytes;
  }
  for (auto& b : d_->buckets) {
    const auto& last = d_->slots[b.slots.back()];
    b.flat = at::zeros({last.offset + last.numel}, last.param.options().requires_grad(false));
  }
  for (std::size_t i = 0; i < d_->slots.size(); ++i) {
    Impl* d = d_.get();
    d_->hooks.push_back(d_->slots[i].param.register_hook([d, i](const at::Tensor& g) { d->onGrad(i, g); }));
  }
}

DataParallel::~DataParallel() {
  for (std::size_t i = 0; i < d_->hooks.size(); ++i) d_->slots[i].param.remove_hook(d_->hooks[i]);
}

void DataParallel::setWeight(double w) { d_->weight.fill_(w); }

bool DataParallel::pending() const { return d_->active; }

std::size_t DataParallel::bucketCount() const { return d_->buckets.size(); }

void DataParallel::finish() {
  std::lock_guard<std::mutex> lock(d_->mu);
  if (!d_->active) return;  // no parameter got a gradient in this pass
  // Buckets no hook reached on this rank hold parameters this pass did not use (a GAN's
  // discriminator step leaves the generator alone). The graph is the same on every rank, so
  // untouched buckets are skipped everywhere; partly touched ones are sent with zeros.
  bool anyLaunched = d_->nextLaunch > 0;
  for (std::size_t k = d_->nextLaunch; k < d_->buckets.size(); ++k) {
    auto& b = d_->buckets[k];
    if (!b.touched) continue;
    for (auto si : b.slots)
      if (!d_->slots[si].ready) b.flat.narrow(0, d_->slots[si].offset, d_->slots[si].numel).zero_();
    if (!anyLaunched) d_->firstLaunch = std::chrono::steady_clock::now();
    anyLaunched = true;
    b.work = d_->world.allreduceSum(b.flat);
    b.launched = true;
  }
  d_->active = false;
  torch::NoGradGuard ng;
  const auto waitStart = std::chrono::steady_clock::now();
  for (auto& b : d_->buckets) {
    if (!b.launched) continue;
    b.work->wait();
    d_->stats.bytes += static_cast<double>(b.flat.numel() * static_cast<std::int64_t>(b.flat.element_size()));
    for (auto si : b.slots) {
      auto& s = d_->slots[si];
      if (!s.ready) continue;
      at::Tensor avg = b.flat.narrow(0, s.offset, s.numel).view_as(s.param);
      if (s.param.grad().defined())
        s.param.mutable_grad().copy_(avg);
      else
        s.param.mutable_grad() = avg.clone();
    }
  }
  const auto end = std::chrono::steady_clock::now();
  ++d_->stats.passes;
  d_->stats.waitSeconds += std::chrono::duration<double>(end - waitStart).count();
  d_->stats.syncSeconds += std::chrono::duration<double>(end - d_->firstLaunch).count();
}

const DataParallel::Stats& DataParallel::stats() const { return d_->stats; }

}  // namespace tf::dist
