#include "Classifier.h"

#include "components/Mlp.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adam.h>

#include <stdexcept>

namespace tf::calo {

namespace {

// (events, features) from the per-shower observables; layer energies become fractions of the
// shower's deposit so the classifier sees shapes as well as the total.
at::Tensor features(const std::vector<Observable>& obs) {
  const Observable* total = nullptr;
  for (const auto& o : obs)
    if (o.name == "total_energy") total = &o;
  if (!total) throw std::invalid_argument("classifier: no total_energy observable");
  const auto n = static_cast<std::int64_t>(total->values.size());
  const at::Tensor deposit = at::tensor(total->values, at::kDouble).clamp_min(1e-12);
  std::vector<at::Tensor> cols;
  for (const auto& o : obs) {
    if (o.profile || o.logScale || static_cast<std::int64_t>(o.values.size()) != n) continue;
    at::Tensor v = at::tensor(o.values, at::kDouble);
    cols.push_back(o.group == "layer_energy" ? v / deposit : v);
  }
  return at::stack(cols, 1);
}

}  // namespace

ClassifierResult classifierTest(const std::vector<Observable>& reference, const std::vector<Observable>& generated,
                                std::uint64_t seed, std::int64_t epochs) {
  at::Tensor r = features(reference), g = features(generated);
  const std::int64_t n = std::min(r.size(0), g.size(0));  // balanced classes
  if (n < 10) throw std::invalid_argument("classifier test: fewer than 10 showers in one of the sets");
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  r = r.index_select(0, at::randperm(r.size(0), gen, at::TensorOptions().dtype(at::kLong)).slice(0, 0, n));
  g = g.index_select(0, at::randperm(g.size(0), gen, at::TensorOptions().dtype(at::kLong)).slice(0, 0, n));
  const std::int64_t nTrain = n * 6 / 10;
  // Standardise on the Monte Carlo training half; empty showers (no centre) become 0.
  const at::Tensor mean = r.slice(0, 0, nTrain).nan_to_num(0).mean(0);
  const at::Tensor std = r.slice(0, 0, nTrain).nan_to_num(0).std(0).clamp_min(1e-9);
  auto prep = [&](const at::Tensor& x) { return ((x - mean) / std).nan_to_num(0, 10, -10).clamp(-10, 10).to(at::kFloat); };
  const at::Tensor xTrain = at::cat({prep(r.slice(0, 0, nTrain)), prep(g.slice(0, 0, nTrain))});
  const at::Tensor yTrain = at::cat({at::zeros({nTrain, 1}), at::ones({nTrain, 1})});
  const at::Tensor xTest = at::cat({prep(r.slice(0, nTrain, n)), prep(g.slice(0, nTrain, n))});

  torch::manual_seed(seed);
  MlpSpec spec;
  spec.inFeatures = xTrain.size(1);
  spec.outFeatures = 1;
  spec.hidden = {64, 64};
  torch::nn::Sequential net = spec.build();
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(1e-3).weight_decay(1e-4));
  const std::int64_t batch = 128;
  for (std::int64_t e = 0; e < epochs; ++e) {
    const at::Tensor perm = at::randperm(xTrain.size(0), at::TensorOptions().dtype(at::kLong));
    for (std::int64_t b = 0; b < perm.size(0); b += batch) {
      const at::Tensor idx = perm.slice(0, b, std::min(perm.size(0), b + batch));
      opt.zero_grad();
      at::Tensor loss = at::binary_cross_entropy_with_logits(net->forward(xTrain.index_select(0, idx)), yTrain.index_select(0, idx));
      loss.backward();
      opt.step();
    }
  }
  torch::NoGradGuard ng;
  net->eval();
  const at::Tensor s = net->forward(xTest).reshape({-1}).to(at::kDouble).contiguous();
  const std::int64_t nTest = n - nTrain;
  std::vector<double> neg(s.data_ptr<double>(), s.data_ptr<double>() + nTest), pos(s.data_ptr<double>() + nTest, s.data_ptr<double>() + 2 * nTest);
  ClassifierResult res;
  res.auc = rocAuc(pos, neg);
  res.features = xTrain.size(1);
  res.trainEvents = 2 * nTrain;
  res.testEvents = 2 * nTest;
  res.epochs = epochs;
  return res;
}

}  // namespace tf::calo
