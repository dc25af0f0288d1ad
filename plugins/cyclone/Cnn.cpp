// The CMCC cyclone-centre CNN: patches of the driver variables (cyclone.Patches), the VGG-like
// network regressing the centre's row and column in the patch plus a presence score
// (cyclone.CNNTrainer), and inference over whole fields with merged detections stitched into
// tracks (cyclone.CNNDetect).
#include "Cnn.h"
#include "CycloneComponents.h"

#include "exec/Component.h"
#include "exec/ParamDecls.h"
#include "registry/Registry.h"
#include "train/Device.h"
#include "train/Trainer.h"

#include <torch/nn/functional/loss.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/padding.h>
#include <torch/nn/modules/pooling.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>

namespace fs = std::filesystem;

namespace tf::cyclone {

fs::path fieldsInput(StepContext& ctx, const Artifacts& in, const std::string& fileParam) {
  if (in.count("fields")) return in.at("fields").meta.value("path", "");
  if (fileParam.empty()) throw std::runtime_error("no fields: connect a 'fields' input or set 'file'");
  return ctx.resolve(fileParam);
}

// ---- the network ---------------------------------------------------------------------------

nlohmann::json VggSpec::toJson() const {
  return {{"network", "VGG_V1"}, {"width", width}, {"depth", depth}, {"activation", activation},
          {"patch", patch},      {"channels", channels}};
}
VggSpec VggSpec::fromJson(const nlohmann::json& j) {
  VggSpec s;
  s.width = j.value("width", s.width);
  s.depth = j.value("depth", s.depth);
  s.activation = j.value("activation", s.activation);
  s.patch = j.value("patch", s.patch);
  s.channels = j.value("channels", s.channels);
  return s;
}

namespace {
void addActivation(torch::nn::Sequential& s, const std::string& a) {
  if (a == "relu") s->push_back(torch::nn::ReLU());
  else if (a == "sigmoid") s->push_back(torch::nn::Sigmoid());
  else if (a == "tanh") s->push_back(torch::nn::Tanh());
  else if (a != "linear") throw std::invalid_argument("activation '" + a + "': expected relu, linear, sigmoid or tanh");
}
}  // namespace

// VGG_V1 of the CMCC use case, scaled by `width` (64 there): stages of 3, 2, 2 and 3
// convolutions with 3x3, 3x3, 2x2 and 2x2 kernels (the last stage unpadded), width doubling per
// stage, max-pooling after each; then dense layers of 8, 4, 2 and 1 times the width and the
// three outputs (row and column as fractions of the patch, presence logit).
VggNetImpl::VggNetImpl(const VggSpec& s) : spec(s) {
  if (s.depth < 1 || s.depth > 4) throw std::invalid_argument("depth must be 1..4 (VGG_V1 has 4 stages)");
  const int convs[4] = {3, 2, 2, 3};
  const int kernels[4] = {3, 3, 2, 2};
  std::int64_t in = s.channels, w = s.width;
  for (std::int64_t st = 0; st < s.depth; ++st) {
    const bool valid = st == 3;
    for (int c = 0; c < convs[st]; ++c) {
      auto o = torch::nn::Conv2dOptions(in, w, kernels[st]);
      // Keras' padding="same": k/2 on both sides for odd kernels; for even ones the extra
      // row and column go after (right and bottom), which a zero pad in front of the
      // unpadded convolution does exactly.
      if (!valid && kernels[st] % 2) o.padding(kernels[st] / 2);
      if (!valid && kernels[st] % 2 == 0)
        features->push_back(torch::nn::ZeroPad2d(torch::nn::ZeroPad2dOptions({0, kernels[st] - 1, 0, kernels[st] - 1})));
      features->push_back(torch::nn::Conv2d(o));
      addActivation(features, s.activation);
      in = w;
    }
    features->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2).stride(2)));
    if (st < 3) w *= 2;
  }
  register_module("features", features);
  const std::int64_t flat = [&] {
    torch::NoGradGuard ng;
    return features->forward(torch::zeros({1, s.channels, s.patch, s.patch})).numel();
  }();
  std::int64_t d = flat;
  for (std::int64_t m : {8, 4, 2, 1}) {
    head->push_back(torch::nn::Linear(d, m * s.width));
    addActivation(head, s.activation);
    d = m * s.width;
  }
  head->push_back(torch::nn::Linear(d, 3));
  register_module("head", head);
}

at::Tensor VggNetImpl::forward(const at::Tensor& x) { return head->forward(features->forward(x).flatten(1)); }

// ---- patches ---------------------------------------------------------------------------------

namespace {

struct CentreAt {
  double row, col;  // fractional cell indices in the (ascending) grid
};

// The true centres per time step, as fractional grid indices.
std::vector<std::vector<CentreAt>> centresPerStep(const climate::ClimateFile& f, const std::vector<Track>& tracks) {
  std::map<std::string, std::size_t> stepOf;
  for (std::size_t t = 0; t < f.time().iso.size(); ++t) stepOf[f.time().iso[t]] = t;
  std::vector<std::vector<CentreAt>> out(f.timeSteps());
  const auto& lat = f.lat();
  const auto& lon = f.lon();
  const double dlat = lat[1] - lat[0], dlon = lon[1] - lon[0];
  for (const auto& tr : tracks)
    for (const auto& p : tr.points) {
      auto it = stepOf.find(p.time);
      if (it == stepOf.end()) continue;
      double c = (p.lon - lon[0]) / dlon;
      if (c < -0.5) c += 360.0 / dlon;
      out[it->second].push_back({(p.lat - lat[0]) / dlat, c});
    }
  return out;
}

// The centre closest to the patch's middle, in patch cells, or (-1, -1).
std::pair<double, double> labelOf(const std::vector<CentreAt>& centres, long i0, long j0, long p, long nlon, bool periodic) {
  double best = 1e18, r = -1, c = -1;
  for (const auto& ce : centres) {
    const double pr = ce.row - static_cast<double>(i0);
    double pc = ce.col - static_cast<double>(j0);
    if (periodic && pc < -0.5) pc += static_cast<double>(nlon);
    if (pr < 0 || pr > static_cast<double>(p - 1) || pc < 0 || pc > static_cast<double>(p - 1)) continue;
    const double d = std::hypot(pr - (p - 1) / 2.0, pc - (p - 1) / 2.0);
    if (d < best) best = d, r = pr, c = pc;
  }
  return {r, c};
}

}  // namespace

at::Tensor cutPatch(const std::vector<Field>& vars, long i0, long j0, long p, bool periodic) {
  const long nlat = static_cast<long>(vars[0].nlat), nlon = static_cast<long>(vars[0].nlon);
  at::Tensor x = at::empty({static_cast<long>(vars.size()), p, p}, at::kFloat);
  float* d = x.data_ptr<float>();
  for (std::size_t v = 0; v < vars.size(); ++v)
    for (long r = 0; r < p; ++r) {
      const long i = std::clamp(i0 + r, 0L, nlat - 1);
      for (long c = 0; c < p; ++c) {
        long j = j0 + c;
        j = periodic ? (j % nlon + nlon) % nlon : std::clamp(j, 0L, nlon - 1);
        *d++ = vars[v].values[static_cast<std::size_t>(i * nlon + j)];
      }
    }
  return x;
}

void normalise(at::Tensor& x, const std::vector<std::pair<float, float>>& minmax) {
  for (std::size_t v = 0; v < minmax.size(); ++v) {
    auto ch = x.select(1, static_cast<long>(v));
    const float lo = minmax[v].first, span = std::max(minmax[v].second - minmax[v].first, 1e-6f);
    ch.sub_(lo).div_(span);
  }
  x.nan_to_num_(0.0);
}

namespace {

// The step's parameters are the options makePatches takes, plus where the files are.
struct PatchParams : PatchOptions {
  PatchParams() {}  // not an aggregate (see SyntheticParams)
  std::string file, tracks;
};

const ParamDecls<PatchParams>& patchParams() {
  static const ParamDecls<PatchParams> d = [] {
    using P = PatchParams;
    ParamDecls<P> d;
    d.path("file", &P::file).withDoc("Fields (netCDF) when no step is connected");
    d.path("tracks", &P::tracks).withDoc("True tracks (CSV); default: NAME.tracks.csv beside the fields");
    d.add<std::vector<std::string>>("variables", &P::variables).withDoc("Driver variables, one input channel each (CMCC: fg10, msl, t_500, t_300)");
    d.add<std::int64_t>("patch", &P::patch).range(8, 256).withUnit("cells").withDoc("Patch side (CMCC: 40 cells of 0.25 deg)");
    d.choice("patch_type", static_cast<std::string P::*>(&P::patchType), {"nearest", "cyclone", "random"})
        .withDoc("Where a cyclone sits in its patches: nearest (the patch of the 40x40 tiling that holds it, plus "
                 "cyclone_patches-1 shifted ones), cyclone (every one shifted at random)");
    d.add<std::int64_t>("cyclone_patches", &P::cyclonePatches).atLeast(0).withDoc("Patches per true centre");
    d.add<std::int64_t>("random_patches", &P::randomPatches).atLeast(0).withDoc("Patches at random places per time step (most hold no cyclone)");
    d.add<bool>("adjacent", &P::adjacent).withDoc("Also the four tiling neighbours of each cyclone's patch");
    d.add<bool>("augment", &P::augment).withDoc("Flipped copies (left-right, up-down, 180 degrees) with the target moved with them");
    d.choice("augment_type", static_cast<std::string P::*>(&P::augmentType), {"only_tcs", "all_patches"}).withDoc("Which patches get flipped copies");
    d.add<std::uint64_t>("seed", &P::seed).withDoc("Seed of the patch sampling");
    return d;
  }();
  return d;
}

}  // namespace

Artifact makePatches(StepContext& ctx, const fs::path& fieldsFile, const fs::path& tracksFile, const PatchOptions& o) {
  climate::ClimateFile f(fieldsFile.string());
  for (const auto& v : o.variables) f.variable(v);
  if (!fs::exists(tracksFile))
    throw std::runtime_error("no true tracks for '" + fieldsFile.string() + "': expected '" + tracksFile.string() +
                             "' (cyclone.Synthetic writes it; or set 'tracks')");
  const auto tracks = climate::readTracks(tracksFile.string());
  const auto centres = centresPerStep(f, tracks);
  const long p = o.patch, nlat = static_cast<long>(f.lat().size()), nlon = static_cast<long>(f.lon().size());
  if (nlat < p || nlon < p)
    throw std::runtime_error("'" + fieldsFile.string() + "': the grid (" + std::to_string(nlat) + " x " + std::to_string(nlon) +
                             ") is smaller than one patch (" + std::to_string(p) + ")");
  const bool periodic = gridOf(f).periodic;
  std::mt19937_64 rng(o.seed);
  auto randIn = [&](long lo, long hi) { return std::uniform_int_distribution<long>(lo, std::max(lo, hi))(rng); };
  std::vector<at::Tensor> xs;
  std::vector<std::array<float, 3>> ys;
  std::int64_t nCyc = 0, nAdj = 0, nRand = 0;
  for (std::size_t t = 0; t < f.timeSteps(); ++t) {
    ctx.checkCancelled();
    std::vector<Field> vars;
    for (const auto& v : o.variables) vars.push_back(f.read(v, t));
    auto add = [&](long i0, long j0) {
      i0 = std::clamp(i0, 0L, nlat - p);
      if (!periodic) j0 = std::clamp(j0, 0L, nlon - p);
      const auto [r, c] = labelOf(centres[t], i0, j0, p, nlon, periodic);
      const bool has = r >= 0;
      at::Tensor x = cutPatch(vars, i0, j0, p, periodic);
      xs.push_back(x);
      ys.push_back({static_cast<float>(r), static_cast<float>(c), has ? 1.0f : 0.0f});
      if (o.augment && (has || o.augmentType == "all_patches")) {
        const float pr = static_cast<float>(p - 1);
        xs.push_back(x.flip({2}));  // left-right: column mirrored
        ys.push_back({static_cast<float>(r), has ? pr - static_cast<float>(c) : -1.0f, has ? 1.0f : 0.0f});
        xs.push_back(x.flip({1}));  // up-down
        ys.push_back({has ? pr - static_cast<float>(r) : -1.0f, static_cast<float>(c), has ? 1.0f : 0.0f});
        xs.push_back(x.flip({1, 2}));  // 180 degrees
        ys.push_back({has ? pr - static_cast<float>(r) : -1.0f, has ? pr - static_cast<float>(c) : -1.0f, has ? 1.0f : 0.0f});
      }
      return has;
    };
    for (const auto& ce : centres[t]) {
      const long ri = static_cast<long>(std::floor(ce.row)), ci = static_cast<long>(std::floor(ce.col));
      for (std::int64_t k = 0; k < o.cyclonePatches; ++k) {
        long i0, j0;
        if (k == 0 && o.patchType == "nearest") i0 = (ri / p) * p, j0 = (ci / p) * p;
        else i0 = ri - randIn(2, p - 3), j0 = ci - randIn(2, p - 3);
        add(i0, j0);
        ++nCyc;
      }
      if (o.adjacent) {
        const long i0 = std::clamp((ri / p) * p, 0L, nlat - p), j0 = (ci / p) * p;
        for (auto [di, dj] : {std::pair<long, long>{-1, 0}, {1, 0}, {0, -1}, {0, 1}}) {
          const long ai = i0 + di * p, aj = j0 + dj * p;
          if (ai < 0 || ai > nlat - p || (!periodic && (aj < 0 || aj > nlon - p))) continue;
          add(ai, aj);
          ++nAdj;
        }
      }
    }
    for (std::int64_t k = 0; k < o.randomPatches; ++k) {
      add(randIn(0, nlat - p), randIn(0, periodic ? nlon - 1 : nlon - p));
      ++nRand;
    }
    ctx.progress(static_cast<double>(t + 1) / static_cast<double>(f.timeSteps()), "patches");
  }
  if (xs.empty()) throw std::runtime_error("'" + fieldsFile.string() + "': no patches (no time steps?)");
  at::Tensor x = at::stack(xs);
  at::Tensor y = at::empty({static_cast<long>(ys.size()), 3}, at::kFloat);
  for (std::size_t k = 0; k < ys.size(); ++k)
    for (int c = 0; c < 3; ++c) y[static_cast<long>(k)][c] = ys[k][static_cast<std::size_t>(c)];
  // Min-max normalisation per variable (CMCC's scaler), stored with the data and the model.
  std::vector<std::pair<float, float>> minmax;
  nlohmann::json norm = nlohmann::json::object();
  for (std::size_t v = 0; v < o.variables.size(); ++v) {
    at::Tensor ch = x.select(1, static_cast<long>(v));
    at::Tensor finite = ch.masked_select(ch.isfinite());
    const float lo = finite.numel() ? finite.min().item<float>() : 0.f, hi = finite.numel() ? finite.max().item<float>() : 1.f;
    minmax.emplace_back(lo, hi);
    norm[o.variables[v]] = {lo, hi};
  }
  if (o.normalise) normalise(x, minmax);
  const std::int64_t withCyclone = y.select(1, 2).sum().item<float>();
  ctx.log("patches from " + fieldsFile.string() + ": " + std::to_string(x.size(0)) + " (" + std::to_string(withCyclone) +
          " with a cyclone; sampled " + std::to_string(nCyc) + " cyclone, " + std::to_string(nAdj) + " adjacent, " +
          std::to_string(nRand) + " random" + (o.augment ? ", with flipped copies" : "") + "), " +
          std::to_string(o.variables.size()) + " x " + std::to_string(p) + " x " + std::to_string(p));
  Artifact a;
  a.type = "Dataset";
  a.tensors["x"] = x;
  a.tensors["y"] = y;
  a.meta = {{"variables", o.variables}, {"patch", p}, {"normalisation", norm}, {"samples", x.size(0)},
            {"with_cyclone", withCyclone}, {"fields", fieldsFile.string()}, {"y", "row, column (patch cells; -1 without a cyclone), presence"}};
  return a;
}

namespace {

class Patches : public Component {
 public:
  explicit Patches(const Params& p) : cfg_(patchParams().parse(p)) {}
  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    const fs::path fields = fieldsInput(ctx, in, cfg_.file);
    fs::path tracks = !cfg_.tracks.empty() ? ctx.resolve(cfg_.tracks)
                      : in.count("fields") && in.at("fields").meta.contains("tracks")
                          ? fs::path(in.at("fields").meta.value("tracks", ""))
                          : tracksFileFor(fields);
    return {{"dataset", makePatches(ctx, fields, tracks, cfg_)}};
  }

 private:
  PatchParams cfg_;
};

// ---- training ----------------------------------------------------------------------------------

struct CnnParams {
  std::int64_t width = 64, depth = 4;
  std::string activation = "relu";
  std::string loss = "mae";
  double presenceWeight = 1.0;
};

const ParamDecls<CnnParams>& cnnParams() {
  static const ParamDecls<CnnParams> d = [] {
    using P = CnnParams;
    ParamDecls<P> d;
    d.add("width", &P::width).range(4, 256).withDoc("Filters of the first stage (VGG_V1: 64, about 3.7 M parameters; 16: 0.23 M)");
    d.add("depth", &P::depth).range(1, 4).withDoc("Convolution stages (VGG_V1: 4)");
    d.choice("activation", &P::activation, {"relu", "linear", "sigmoid", "tanh"}).withDoc("Activation after each layer");
    d.choice("loss", &P::loss, {"mae", "mse"}).withDoc("Loss of the centre position (CMCC: MAE)");
    d.add("presence_weight", &P::presenceWeight).atLeast(0)
        .withDoc("Weight of the presence score's binary cross-entropy; 0 trains the position only (patches without a cyclone "
                 "then regress to -1, -1 as in CMCC's label_no_cyclone NONE)");
    return d;
  }();
  return d;
}

}  // namespace

CnnLoss makeCnnLoss(const std::string& loss, double presenceWeight, std::int64_t patch) {
  const double P = static_cast<double>(patch);
  return [loss, presenceWeight, P](const at::Tensor& out, const at::Tensor& y) {
    const at::Tensor target = y.slice(1, 0, 2) / P;
    const at::Tensor present = y.select(1, 2);
    at::Tensor diff = out.slice(1, 0, 2) - target;
    diff = loss == "mse" ? diff.pow(2) : diff.abs();
    if (presenceWeight <= 0) return diff.mean();  // everything regresses, no-cyclone patches to -1/P
    const at::Tensor w = present.unsqueeze(1);
    const at::Tensor pos = (diff * w).sum() / (2 * w.sum()).clamp_min(1.0);
    const at::Tensor bce = torch::nn::functional::binary_cross_entropy_with_logits(out.select(1, 2), present);
    return pos + presenceWeight * bce;
  };
}

PatchScores scorePatches(VggNet& net, const at::Tensor& x, const at::Tensor& y, std::int64_t patch) {
  torch::NoGradGuard ng;
  net->eval();
  std::vector<at::Tensor> outs;
  for (long b = 0; b < x.size(0); b += 256) outs.push_back(net->forward(x.slice(0, b, std::min(x.size(0), b + 256))));
  net->train();
  const at::Tensor out = at::cat(outs);
  PatchScores s;
  const at::Tensor present = y.select(1, 2) > 0.5;
  const at::Tensor predicted = out.select(1, 2) > 0;
  s.presenceAccuracy = (present == predicted).to(at::kFloat).mean().item<double>();
  const at::Tensor idx = present.nonzero().reshape({-1});
  s.cyclonePatches = idx.size(0);
  if (idx.size(0) > 0) {
    const at::Tensor err = (out.index_select(0, idx).slice(1, 0, 2) * static_cast<double>(patch) - y.index_select(0, idx).slice(1, 0, 2))
                               .pow(2).sum(1).sqrt();
    s.medianErrorCells = err.median().item<double>();
    s.meanErrorCells = err.mean().item<double>();
  }
  return s;
}

namespace {

class CnnTrainer : public Component {
 public:
  explicit CnnTrainer(const Params& p) : p_(p), cfg_(cnnParams().parse(p)) {}

  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    const Artifact& train = in.at("train");
    const Artifact* val = in.count("val") ? &in.at("val") : nullptr;
    return {trainCnn(ctx, train, val, cfg_.width, cfg_.depth, cfg_.activation, cfg_.loss, cfg_.presenceWeight,
                     TrainerConfig::fromParams(p_))};
  }

 private:
  Params p_;
  CnnParams cfg_;
};

}  // namespace

Artifacts trainCnn(StepContext& ctx, const Artifact& train, const Artifact* val, std::int64_t width, std::int64_t depth,
                   const std::string& activation, const std::string& loss, double presenceWeight, const TrainerConfig& cfg) {
  const at::Tensor& x = train.tensor("x");
  const at::Tensor& y = train.tensor("y");
  if (x.dim() != 4 || y.dim() != 2 || y.size(1) != 3)
    throw std::runtime_error("train: expected patches x (N, variables, P, P) and targets y (N, 3) from cyclone.Patches, got x " +
                             std::to_string(x.dim()) + "-D");
  VggSpec spec;
  spec.width = width;
  spec.depth = depth;
  spec.activation = activation;
  spec.patch = x.size(2);
  spec.channels = x.size(1);
  torch::manual_seed(cfg.seed);
  VggNet net(spec);
  std::int64_t params = 0;
  for (const auto& t : net->parameters()) params += t.numel();
  SupervisedTask task(net.ptr(), [net](const at::Tensor& in) mutable { return net->forward(in); },
                      makeCnnLoss(loss, presenceWeight, spec.patch), cfg, false);
  ctx.log("training the cyclone CNN (VGG_V1, width " + std::to_string(width) + ", " + std::to_string(params) + " parameters, " +
          activation + ") on " + std::to_string(x.size(0)) + " patches, " + std::to_string(cfg.epochs) + " epochs, " +
          cfg.optimizer + " lr=" + std::to_string(cfg.lr) + ", " + loss + " loss");
  Batch valSet;
  if (val) valSet = {val->tensor("x"), val->tensor("y")};
  TrainResult r = Trainer(cfg).fit(task, {x, y}, val ? &valSet : nullptr, ctx);

  Artifact model;
  model.type = "Model";
  for (const auto& p : net->named_parameters()) model.tensors[p.key()] = p.value().detach().clone();
  model.meta["arch"] = spec.toJson();
  model.meta["task"] = "cyclone-centre";
  model.meta["variables"] = train.meta.value("variables", nlohmann::json::array());
  model.meta["normalisation"] = train.meta.value("normalisation", nlohmann::json::object());
  model.meta["parameters"] = params;
  model.meta["presence_weight"] = presenceWeight;

  Artifact metrics;
  metrics.type = "Metrics";
  metrics.meta = {{"parameters", params},          {"epochs", r.epochsRun},        {"first_train_loss", r.firstLoss},
                  {"final_train_loss", r.lastLoss}, {"train_seconds", r.seconds},   {"patch_half_width_cells", spec.patch / 2.0},
                  {"samples_per_second", r.seconds > 0 ? static_cast<double>(x.size(0) * r.epochsRun) / r.seconds : 0.0}};
  for (const auto& [k, v] : r.lastValidation) metrics.meta["final_" + k] = v;
  if (val) {
    const PatchScores s = scorePatches(net, valSet.first, valSet.second, spec.patch);
    metrics.meta["val_median_centre_error_cells"] = s.medianErrorCells;
    metrics.meta["val_mean_centre_error_cells"] = s.meanErrorCells;
    metrics.meta["val_cyclone_patches"] = s.cyclonePatches;
    char line[240];
    std::snprintf(line, sizeof line, "held-out patches: median centre error %.2f cells (half-width %.0f), mean %.2f over %lld patches with a cyclone",
                  s.medianErrorCells, spec.patch / 2.0, s.meanErrorCells, static_cast<long long>(s.cyclonePatches));
    std::string text = line;
    if (presenceWeight > 0) {  // without it the presence output is never trained
      metrics.meta["val_presence_accuracy"] = s.presenceAccuracy;
      std::snprintf(line, sizeof line, "; presence right for %.1f %% of %lld patches", 100 * s.presenceAccuracy,
                    static_cast<long long>(valSet.first.size(0)));
      text += line;
    }
    ctx.log(text);
    ctx.metric("val_median_centre_error_cells", s.medianErrorCells, r.steps);
  }
  return {{"model", model}, {"metrics", metrics}};
}

VggNet loadCnn(const Artifact& a) {
  if (a.type != "Model" || a.meta.value("task", "") != "cyclone-centre")
    throw std::runtime_error("expected a cyclone CNN (from cyclone.CNNTrainer), got a " + a.type +
                             (a.meta.contains("task") ? " for " + a.meta.value("task", "") : std::string()));
  VggNet net(VggSpec::fromJson(a.meta.at("arch")));
  torch::NoGradGuard ng;
  for (auto& p : net->named_parameters()) p.value().copy_(a.tensor(p.key()));
  net->eval();
  return net;
}

// ---- detection over whole fields ---------------------------------------------------------------

namespace {

// The step's parameters are the options detectWithCnn takes, plus the files and the device's name.
struct DetectParams : DetectOptions {
  DetectParams() {}  // not an aggregate (see SyntheticParams)
  std::string file, output;
  std::string deviceName = "auto";
};

const ParamDecls<DetectParams>& detectParams() {
  static const ParamDecls<DetectParams> d = [] {
    using P = DetectParams;
    ParamDecls<P> d;
    d.path("file", &P::file).withDoc("Fields (netCDF) when no step is connected");
    d.path("output", &P::output).withDoc("Track table written (default: the step's folder, tracks.csv)");
    d.add<std::int64_t>("stride", &P::stride).atLeast(0).withUnit("cells").withDoc("Step between patches; 0: half a patch");
    d.add<double>("threshold", &P::threshold).range(0, 1).withDoc("Presence probability a patch needs to report a centre");
    d.add<double>("merge_distance", &P::mergeDeg).above(0).withUnit("deg").withDoc("Centres closer than this are one cyclone");
    d.add<double>("stitch_range", &P::stitchRangeDeg).above(0).withUnit("deg").withDoc("Farthest move between steps of a track");
    d.add<double>("min_duration", &P::minHours).atLeast(0).withUnit("h").withDoc("Shortest track kept");
    d.add<double>("max_gap", &P::maxGapHours).atLeast(0).withUnit("h").withDoc("Longest gap bridged");
    d.add<std::int64_t>("batch_size", &P::batchSize).atLeast(1).withDoc("Patches per network call");
    d.add("device", &P::deviceName).withDoc("cpu, cuda, cuda:N or auto");
    return d;
  }();
  return d;
}

}  // namespace

DetectionResult detectWithCnn(VggNet& net, const nlohmann::json& modelMeta, const climate::ClimateFile& f, const DetectOptions& o,
                              const std::function<void(double)>& progress) {
  std::vector<std::string> vars = modelMeta.value("variables", std::vector<std::string>());
  if (vars.empty()) throw std::runtime_error("the model names no input variables");
  std::vector<std::pair<float, float>> minmax;
  for (const auto& v : vars) {
    f.variable(v);
    const auto mm = modelMeta.at("normalisation").at(v);
    minmax.emplace_back(mm[0].get<float>(), mm[1].get<float>());
  }
  const VggSpec spec = net->spec;
  const long p = spec.patch, nlat = static_cast<long>(f.lat().size()), nlon = static_cast<long>(f.lon().size());
  const long stride = o.stride > 0 ? o.stride : std::max(1L, p / 2);
  const GridView g = gridOf(f);
  std::vector<long> rows, cols;
  for (long i = 0; i + p <= nlat; i += stride) rows.push_back(i);
  if (rows.empty() || rows.back() + p < nlat) rows.push_back(std::max(0L, nlat - p));
  const long colEnd = g.periodic ? nlon : nlon - p + 1;
  for (long j = 0; j < colEnd; j += stride) cols.push_back(j);
  if (!g.periodic && (cols.empty() || cols.back() + p < nlon)) cols.push_back(std::max(0L, nlon - p));
  const double dlat = f.lat()[1] - f.lat()[0], dlon = f.lon()[1] - f.lon()[0];
  DetectionResult res;
  res.nodes.resize(f.timeSteps());
  torch::NoGradGuard ng;
  net->to(o.device);
  for (std::size_t t = 0; t < f.timeSteps(); ++t) {
    std::vector<Field> fields;
    for (const auto& v : vars) fields.push_back(f.read(v, t));
    std::vector<at::Tensor> xs;
    std::vector<std::pair<long, long>> origin;
    for (long i : rows)
      for (long j : cols) {
        xs.push_back(cutPatch(fields, i, j, p, g.periodic));
        origin.emplace_back(i, j);
      }
    at::Tensor x = at::stack(xs);
    normalise(x, minmax);
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<at::Tensor> outs;
    for (long b = 0; b < x.size(0); b += o.batchSize)
      outs.push_back(net->forward(x.slice(0, b, std::min(x.size(0), b + o.batchSize)).to(o.device)).cpu());
    const at::Tensor out = at::cat(outs);
    res.inferenceSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    res.patches += x.size(0);
    struct Cand {
      double lat, lon, score, rank;
    };
    std::vector<Cand> cands;
    auto acc = out.accessor<float, 2>();
    for (long k = 0; k < out.size(0); ++k) {
      const double prob = 1 / (1 + std::exp(-static_cast<double>(acc[k][2])));
      if (prob < o.threshold) continue;
      const double r = acc[k][0] * static_cast<double>(p), c = acc[k][1] * static_cast<double>(p);
      if (r < -0.5 || c < -0.5 || r > p - 0.5 || c > p - 0.5) continue;  // a centre outside its own patch
      const double edge = std::min({r, c, p - 1 - r, p - 1 - c});
      const double lat = f.lat()[0] + (static_cast<double>(origin[static_cast<std::size_t>(k)].first) + r) * dlat;
      const double lon = std::fmod(f.lon()[0] + (static_cast<double>(origin[static_cast<std::size_t>(k)].second) + c) * dlon + 360.0, 360.0);
      // Centres far from their patch's edges are seen whole: they win the merge.
      cands.push_back({lat, lon, prob, prob * std::clamp(edge / (p / 4.0), 0.1, 1.0)});
    }
    // The best-placed candidate leads a cluster; the cluster's centre is the rank-weighted
    // mean of the centres its overlapping patches saw (one patch's estimate alone jitters by
    // a few cells from step to step).
    std::sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) { return a.rank > b.rank; });
    struct Cluster {
      Cand lead;
      double w = 0, lat = 0, dlon = 0;
    };
    std::vector<Cluster> clusters;
    for (const Cand& c : cands) {
      Cluster* home = nullptr;
      for (auto& cl : clusters)
        if (greatCircleDeg(c.lat, c.lon, cl.lead.lat, cl.lead.lon) < o.mergeDeg) {
          home = &cl;
          break;
        }
      if (!home) {
        clusters.push_back({c});
        home = &clusters.back();
      }
      const double dl = std::fmod(c.lon - home->lead.lon + 540.0, 360.0) - 180.0;
      home->w += c.rank;
      home->lat += c.rank * c.lat;
      home->dlon += c.rank * dl;
    }
    for (const auto& cl : clusters)
      res.nodes[t].push_back({t, cl.lat / cl.w, std::fmod(cl.lead.lon + cl.dlon / cl.w + 360.0, 360.0), 0, cl.lead.score});
    if (progress) progress(static_cast<double>(t + 1) / static_cast<double>(f.timeSteps()));
  }
  net->to(at::kCPU);
  res.tracks = stitchNodes(res.nodes, stepTimes(f), hoursBetweenSteps(f), o.stitchRangeDeg, o.minHours, o.maxGapHours, "C");
  return res;
}

namespace {

class CnnDetect : public Component {
 public:
  explicit CnnDetect(const Params& p) : cfg_(detectParams().parse(p)) {}
  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    const fs::path fields = fieldsInput(ctx, in, cfg_.file);
    const fs::path output = cfg_.output.empty() ? ctx.workDir() / "tracks.csv" : ctx.resolve(cfg_.output);
    Artifact out;
    out.type = "Path";
    out.meta = {{"path", output.string()}, {"detector", "cnn"}, {"fields", fields.string()}};
    if (!ctx.leader()) return {{"tracks", out}};
    if (!in.count("model")) throw std::runtime_error("no model: connect the cyclone.CNNTrainer's model");
    VggNet net = loadCnn(in.at("model"));
    climate::ClimateFile f(fields.string());
    DetectOptions o = cfg_;
    o.device = resolveDevice(cfg_.deviceName);
    DetectionResult r = detectWithCnn(net, in.at("model").meta, f, o, [&](double x) {
      ctx.checkCancelled();
      ctx.progress(x, "CNN over the fields");
    });
    climate::writeTracks(output.string(), r.tracks);
    std::size_t nodes = 0;
    for (const auto& n : r.nodes) nodes += n.size();
    const double pps = r.inferenceSeconds > 0 ? static_cast<double>(r.patches) / r.inferenceSeconds : 0.0;
    ctx.log("CNN: " + std::to_string(r.patches) + " patches over " + std::to_string(f.timeSteps()) + " steps (" +
            std::to_string(static_cast<long long>(pps)) + " patches/s), " + std::to_string(nodes) + " centres, " +
            std::to_string(r.tracks.size()) + " tracks");
    out.meta["patches_per_second"] = pps;
    out.meta["tracks"] = r.tracks.size();
    return {{"tracks", out}};
  }

 private:
  DetectParams cfg_;
};

}  // namespace

void registerCnn(Registry& reg) {
  ComponentInfo p;
  p.classPath = "cyclone.Patches";
  p.doc = "Cut patches of the driver variables around true cyclones, their neighbours and at random; targets: centre row, column, presence";
  p.category = "Preprocessing";
  p.params = patchParams().schema();
  p.inputs = {{"fields", "Path", "netCDF fields with true tracks (cyclone.Synthetic)", true}};
  p.outputs = {{"dataset", "Dataset", "x: (N, variables, P, P) min-max normalised; y: (N, 3)", false}};
  p.factory = [](const Params& q) -> Component* { return new Patches(q); };
  p.recomputable = true;  // cut again from the fields in a second (the run kept 73 MB of them otherwise)
  reg.add(p);

  ComponentInfo t;
  t.classPath = "cyclone.CNNTrainer";
  t.doc = "Train CMCC's VGG-like CNN to locate the cyclone centre in a patch (MAE on the position, presence score)";
  t.category = "Training";
  t.params = cnnParams().schema();
  for (auto& s : TrainerConfig::params().schema()) t.params.push_back(s);
  t.inputs = {{"train", "Dataset", "patches from cyclone.Patches", false}, {"val", "Dataset", "held-out patches", true}};
  t.outputs = {{"model", "Model", "the network with its input variables and normalisation", false},
               {"metrics", "Metrics", "losses; held-out median centre error in cells", false}};
  t.factory = [](const Params& q) -> Component* { return new CnnTrainer(q); };
  reg.add(t);

  ComponentInfo d;
  d.classPath = "cyclone.CNNDetect";
  d.doc = "Run the trained CNN over whole fields in sliding patches; merged centres per step, stitched into tracks";
  d.category = "Inference";
  d.params = detectParams().schema();
  d.inputs = {{"model", "Model", "from cyclone.CNNTrainer", false}, {"fields", "Path", "netCDF fields", true}};
  d.outputs = {{"tracks", "Path", "the tracks found (CSV, score = presence probability)", false}};
  d.factory = [](const Params& q) -> Component* { return new CnnDetect(q); };
  reg.add(d);
}

}  // namespace tf::cyclone
