// core.TrainValSplit: a seeded random (or ordered) split of a Dataset into train and val.
#include "components/Builtins.h"
#include "exec/Component.h"
#include "exec/ParamDecls.h"
#include "registry/Registry.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

namespace tf {

namespace {

struct SplitConfig {
  double valFraction = 0.2;
  bool shuffle = true;
  std::uint64_t seed = 42;
};

const ParamDecls<SplitConfig>& splitParams() {
  static const ParamDecls<SplitConfig> d = [] {
    ParamDecls<SplitConfig> d;
    d.add("val_fraction", &SplitConfig::valFraction).above(0).below(1).withDoc("Fraction of samples for validation");
    d.add("shuffle", &SplitConfig::shuffle).withDoc("Shuffle before splitting (else the last samples validate)");
    d.add("seed", &SplitConfig::seed).withDoc("Seed of the shuffle");
    return d;
  }();
  return d;
}

class TrainValSplit : public Component {
 public:
  explicit TrainValSplit(const Params& p) : cfg_(splitParams().parse(p)) {}

  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    const Artifact& ds = in.at("dataset");
    const at::Tensor& x = ds.tensor("x");
    const std::int64_t n = x.size(0);
    const auto nVal = static_cast<std::int64_t>(std::llround(cfg_.valFraction * static_cast<double>(n)));
    if (nVal < 1 || nVal >= n)
      throw std::runtime_error("val_fraction " + std::to_string(cfg_.valFraction) + " of " +
                               std::to_string(n) + " samples leaves an empty train or validation set");
    at::Tensor order;
    if (cfg_.shuffle) {
      auto gen = at::make_generator<at::CPUGeneratorImpl>(cfg_.seed);
      order = at::randperm(n, gen, at::TensorOptions().dtype(at::kLong));
    } else {
      order = at::arange(n, at::TensorOptions().dtype(at::kLong));
    }
    at::Tensor trainIdx = order.slice(0, 0, n - nVal), valIdx = order.slice(0, n - nVal, n);
    auto take = [&](const at::Tensor& idx, const char* part) {
      Artifact a;
      a.type = "Dataset";
      for (const auto& [name, t] : ds.tensors) a.tensors[name] = t.index_select(0, idx);
      a.meta = ds.meta;
      a.meta["split"] = part;
      a.meta["samples"] = idx.size(0);
      return a;
    };
    ctx.log("split " + std::to_string(n) + " samples into " + std::to_string(n - nVal) + " train and " +
            std::to_string(nVal) + " validation");
    return {{"train", take(trainIdx, "train")}, {"val", take(valIdx, "val")}};
  }

 private:
  SplitConfig cfg_;
};

}  // namespace

void registerTrainValSplit(Registry& reg) {
  ComponentInfo c;
  c.classPath = "core.TrainValSplit";
  c.doc = "Split a dataset into training and validation sets";
  c.category = "Data";
  c.params = splitParams().schema();
  c.inputs = {{"dataset", "Dataset", "samples to split", false}};
  c.outputs = {{"train", "Dataset", "", false}, {"val", "Dataset", "", false}};
  c.factory = [](const Params& p) -> Component* { return new TrainValSplit(p); };
  c.recomputable = true;  // a seeded permutation of its input
  reg.add(c);
}

}  // namespace tf
