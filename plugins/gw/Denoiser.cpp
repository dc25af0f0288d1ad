// The 1-D U-Net denoiser and its steps: gw.Windows (training windows cut from whitened noisy
// and clean strain), gw.DenoiserTrainer (the core trainer; data parallel like every model here)
// and gw.Denoise (a whole file in half-overlapping windows, blended).
#include "Denoiser.h"

#include "GwScience.h"
#include "GwSteps.h"

#include "exec/Component.h"
#include "exec/ParamDecls.h"
#include "registry/Registry.h"
#include "signal/Signal.h"
#include "train/Trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

namespace fs = std::filesystem;

namespace tf::gw {

nlohmann::json UNetSpec::toJson() const {
  return {{"arch", "unet1d"}, {"width", width}, {"levels", levels}, {"kernel", kernel}, {"channels", channels}};
}

UNetSpec UNetSpec::fromJson(const nlohmann::json& j) {
  UNetSpec s;
  try {
    s.width = j.at("width").get<std::int64_t>();
    s.levels = j.at("levels").get<std::int64_t>();
    s.kernel = j.at("kernel").get<std::int64_t>();
    s.channels = j.value("channels", std::int64_t{1});
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("the denoiser's architecture in the model is incomplete: ") + e.what());
  }
  return s;
}

namespace {
torch::nn::Sequential block(std::int64_t in, std::int64_t out, std::int64_t k) {
  const auto opt = [&](std::int64_t i, std::int64_t o) { return torch::nn::Conv1dOptions(i, o, k).padding(k / 2); };
  return torch::nn::Sequential(torch::nn::Conv1d(opt(in, out)), torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.1)),
                               torch::nn::Conv1d(opt(out, out)), torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.1)));
}
}  // namespace

UNet1dImpl::UNet1dImpl(const UNetSpec& s) : spec_(s) {
  if (s.levels < 1 || s.levels > 8) throw std::invalid_argument("levels must be 1..8");
  if (s.kernel < 1 || s.kernel % 2 == 0) throw std::invalid_argument("kernel must be odd");
  down_ = register_module("down", torch::nn::ModuleList());
  up_ = register_module("up", torch::nn::ModuleList());
  upconv_ = register_module("upconv", torch::nn::ModuleList());
  std::int64_t in = s.channels;
  for (std::int64_t i = 0; i < s.levels; ++i) {
    const std::int64_t w = s.width << i;
    down_->push_back(block(in, w, s.kernel));
    in = w;
  }
  for (std::int64_t i = s.levels - 2; i >= 0; --i) {
    const std::int64_t w = s.width << i;
    upconv_->push_back(torch::nn::ConvTranspose1d(torch::nn::ConvTranspose1dOptions(2 * w, w, 2).stride(2)));
    up_->push_back(block(2 * w, w, s.kernel));
  }
  head_ = register_module("head", torch::nn::Conv1d(torch::nn::Conv1dOptions(s.width, 1, 1)));
}

at::Tensor UNet1dImpl::forward(const at::Tensor& xIn) {
  std::vector<at::Tensor> skips;
  at::Tensor x = xIn;
  for (std::size_t i = 0; i < down_->size(); ++i) {
    x = down_[i]->as<torch::nn::Sequential>()->forward(x);
    if (i + 1 < down_->size()) {
      skips.push_back(x);
      x = torch::max_pool1d(x, 2);
    }
  }
  for (std::size_t j = 0; j < up_->size(); ++j) {
    x = upconv_[j]->as<torch::nn::ConvTranspose1d>()->forward(x);
    x = torch::cat({x, skips[skips.size() - 1 - j]}, 1);
    x = up_[j]->as<torch::nn::Sequential>()->forward(x);
  }
  return head_->forward(x);
}

std::int64_t parameterCount(torch::nn::Module& m) {
  std::int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

UNet1d loadDenoiser(const Artifact& a) {
  if (a.type != "Model" || a.meta.value("task", "") != "gw-denoise")
    throw std::runtime_error("expected a GW denoiser (from gw.DenoiserTrainer), got a " + a.type + " for task '" +
                             a.meta.value("task", std::string("?")) + "'");
  UNet1d net(UNetSpec::fromJson(a.meta.at("arch")));
  torch::NoGradGuard ng;
  for (auto& p : net->named_parameters()) p.value().copy_(a.tensor(p.key()).to(at::kCPU));
  net->eval();
  return net;
}

namespace {

// ---- gw.Windows ------------------------------------------------------------------------------
struct WindowParams {
  double window = 1.0;
  std::int64_t perChirp = 4, perGlitch = 1;
  double noiseFraction = 0.25;
  std::uint64_t seed = 1;
};

const ParamDecls<WindowParams>& windowParams() {
  static const ParamDecls<WindowParams> d = [] {
    using P = WindowParams;
    ParamDecls<P> d;
    d.add("window", &P::window).range(0.125, 16).withUnit("s").withDoc("Window length (its samples must divide by 2^(levels-1))");
    d.add("per_chirp", &P::perChirp).range(0, 64).withDoc("Windows per injected chirp, its coalescence at a random place in the later half");
    d.add("per_glitch", &P::perGlitch).range(0, 64).withDoc("Windows centred on each glitch (the target there is the chirp signal, usually none)");
    d.add("noise_fraction", &P::noiseFraction).range(0, 10).withDoc("Windows at random times, as a fraction of the chirp windows");
    d.add("seed", &P::seed).withDoc("Where windows are placed");
    return d;
  }();
  return d;
}

class Windows : public Component {
 public:
  explicit Windows(const Params& p) : cfg_(windowParams().parse(p)) {}
  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    const WhitenedFiles wf = whitenedInput(in, "strain");
    const data::StrainData noisy = data::readStrain(wf.noisy);
    const data::StrainData clean = data::readStrain(wf.clean);
    const std::vector<Event> events = readEvents(wf.events);
    const double rate = noisy.strain.rate;
    const long L = std::lround(cfg_.window * rate);
    if (clean.strain.values.size() != noisy.strain.values.size())
      throw std::runtime_error("'" + wf.clean + "' and '" + wf.noisy + "' differ in length");
    std::mt19937_64 rng(cfg_.seed);
    std::uniform_real_distribution<double> u(0, 1);
    const double margin = wf.settle + 0.05;  // the whitening filter's corrupted ends
    const long n = static_cast<long>(noisy.strain.values.size());
    const long lo = std::lround(margin * rate), hi = n - std::lround(margin * rate) - L;
    if (hi <= lo) throw std::runtime_error("the strain is too short for " + std::to_string(cfg_.window) + " s windows");
    std::vector<long> starts;
    std::vector<std::int64_t> kinds;  // 0 chirp, 1 glitch, 2 random
    auto add = [&](long s, std::int64_t kind) {
      s = std::clamp(s, lo, hi);
      starts.push_back(s);
      kinds.push_back(kind);
    };
    std::size_t chirpWindows = 0;
    for (const Event& e : events) {
      const long at = std::lround((e.gps - noisy.strain.t0) * rate);
      if (e.kind == EventKind::Chirp) {
        for (std::int64_t k = 0; k < cfg_.perChirp; ++k, ++chirpWindows)
          add(at - std::lround((0.5 + 0.45 * u(rng)) * static_cast<double>(L)), 0);
      } else {
        for (std::int64_t k = 0; k < cfg_.perGlitch; ++k) add(at - L / 2 + std::lround((u(rng) - 0.5) * 0.3 * L), 1);
      }
    }
    const auto nNoise = static_cast<std::size_t>(std::lround(cfg_.noiseFraction * static_cast<double>(chirpWindows)));
    for (std::size_t k = 0; k < nNoise; ++k) add(lo + static_cast<long>(u(rng) * static_cast<double>(hi - lo)), 2);
    if (starts.empty()) throw std::runtime_error("no windows: the strain holds no events and noise_fraction is 0");
    const auto N = static_cast<std::int64_t>(starts.size());
    at::Tensor x = torch::empty({N, 1, L}, at::kFloat), y = torch::empty({N, 1, L}, at::kFloat);
    float* xp = x.data_ptr<float>();
    float* yp = y.data_ptr<float>();
    for (std::int64_t i = 0; i < N; ++i)
      for (long j = 0; j < L; ++j) {
        xp[i * L + j] = static_cast<float>(noisy.strain.values[static_cast<std::size_t>(starts[i] + j)]);
        yp[i * L + j] = static_cast<float>(clean.strain.values[static_cast<std::size_t>(starts[i] + j)]);
      }
    Artifact a;
    a.type = "Dataset";
    a.tensors["x"] = x;
    a.tensors["y"] = y;
    a.tensors["kind"] = torch::tensor(kinds, at::kLong);
    a.meta = {{"rate", rate}, {"window_s", cfg_.window}, {"samples", L}, {"source", wf.noisy}};
    ctx.log("cut " + std::to_string(N) + " windows of " + std::to_string(L) + " samples from " + wf.noisy + " (" +
            std::to_string(chirpWindows) + " around chirps, " + std::to_string(N - static_cast<std::int64_t>(chirpWindows) - static_cast<std::int64_t>(nNoise)) +
            " around glitches, " + std::to_string(nNoise) + " at random)");
    return {{"dataset", a}};
  }

 private:
  WindowParams cfg_;
};

// ---- gw.DenoiserTrainer -----------------------------------------------------------------------
struct DenoiserParams {
  std::int64_t width = 32, levels = 4, kernel = 11;
  std::string loss = "mse";
};

const ParamDecls<DenoiserParams>& denoiserParams() {
  static const ParamDecls<DenoiserParams> d = [] {
    using P = DenoiserParams;
    ParamDecls<P> d;
    d.add("width", &P::width).range(2, 256).withDoc("Channels of the first level, doubling per level (32: about 2.2 M parameters)");
    d.add("levels", &P::levels).range(1, 8).withDoc("Resolution levels of the U-Net, the deepest its bottleneck");
    d.add("kernel", &P::kernel).range(1, 63).withDoc("Convolution length in samples (odd)");
    d.choice("loss", &P::loss, {"mse", "l1"}).withDoc("Loss against the whitened injected signal");
    return d;
  }();
  return d;
}

// Match of each window's prediction with its target (windows with a signal only).
std::vector<double> windowMatches(const at::Tensor& pred, const at::Tensor& target) {
  std::vector<double> out;
  const at::Tensor p = pred.reshape({pred.size(0), -1}).to(at::kDouble).contiguous();
  const at::Tensor t = target.reshape({target.size(0), -1}).to(at::kDouble).contiguous();
  for (std::int64_t i = 0; i < p.size(0); ++i) {
    const at::Tensor ti = t[i];
    if (ti.abs().max().item<double>() == 0) continue;
    const at::Tensor pi = p[i];
    const double num = (pi * ti).sum().item<double>();
    const double den = std::sqrt((pi * pi).sum().item<double>() * (ti * ti).sum().item<double>());
    out.push_back(den > 0 ? num / den : 0.0);
  }
  return out;
}

double medianOf(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

at::Tensor predict(UNet1d& net, const at::Tensor& x) {
  torch::NoGradGuard ng;
  const bool was = net->is_training();
  net->eval();
  std::vector<at::Tensor> outs;
  for (std::int64_t b = 0; b < x.size(0); b += 64) outs.push_back(net->forward(x.slice(0, b, std::min(x.size(0), b + 64))));
  if (was) net->train();
  return at::cat(outs);
}

class DenoiserTrainer : public Component {
 public:
  explicit DenoiserTrainer(const Params& p) : p_(p), cfg_(denoiserParams().parse(p)) {}
  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    const Artifact& train = in.at("train");
    const Artifact* val = in.count("val") ? &in.at("val") : nullptr;
    const TrainerConfig tc = TrainerConfig::fromParams(p_);
    const at::Tensor& x = train.tensor("x");
    const at::Tensor& y = train.tensor("y");
    if (x.dim() != 3 || y.sizes() != x.sizes())
      throw std::runtime_error("train: expected windows x and y of shape (N, 1, samples) from gw.Windows");
    UNetSpec spec;
    spec.width = cfg_.width;
    spec.levels = cfg_.levels;
    spec.kernel = cfg_.kernel;
    spec.channels = x.size(1);
    const std::int64_t multiple = std::int64_t{1} << (spec.levels - 1);
    if (x.size(2) % multiple != 0)
      throw std::runtime_error("train: windows of " + std::to_string(x.size(2)) + " samples do not divide by 2^(levels-1) = " +
                               std::to_string(multiple) + "; change `window` or `levels`");
    torch::manual_seed(tc.seed);
    UNet1d net(spec);
    const std::int64_t params = parameterCount(*net);
    const std::string loss = cfg_.loss;
    SupervisedTask task(
        net.ptr(), [net](const at::Tensor& t) mutable { return net->forward(t); },
        [loss](const at::Tensor& out, const at::Tensor& target) {
          return loss == "l1" ? torch::l1_loss(out, target) : torch::mse_loss(out, target);
        },
        tc, false);
    ctx.log("training the 1-D U-Net denoiser (width " + std::to_string(spec.width) + ", " + std::to_string(spec.levels) +
            " levels, kernel " + std::to_string(spec.kernel) + ", " + std::to_string(params) + " parameters) on " +
            std::to_string(x.size(0)) + " windows of " + std::to_string(x.size(2)) + " samples, " + std::to_string(tc.epochs) +
            " epochs, " + loss + " loss");
    Batch valSet;
    if (val) valSet = {val->tensor("x"), val->tensor("y")};
    const TrainResult r = Trainer(tc).fit(task, {x, y}, val ? &valSet : nullptr, ctx);
    net->to(at::kCPU);

    Artifact model;
    model.type = "Model";
    for (const auto& p : net->named_parameters()) model.tensors[p.key()] = p.value().detach().clone();
    model.meta["arch"] = spec.toJson();
    model.meta["task"] = "gw-denoise";
    model.meta["rate"] = train.meta.value("rate", 0.0);
    model.meta["window_s"] = train.meta.value("window_s", 0.0);
    model.meta["parameters"] = params;

    Artifact metrics;
    metrics.type = "Metrics";
    metrics.meta = {{"parameters", params}, {"epochs", r.epochsRun}, {"first_train_loss", r.firstLoss},
                    {"final_train_loss", r.lastLoss}, {"train_seconds", r.seconds}};
    for (const auto& [k, v] : r.lastValidation) metrics.meta["final_" + k] = v;
    if (val) {
      const at::Tensor pred = predict(net, valSet.first);
      const double before = medianOf(windowMatches(valSet.first, valSet.second));
      const double after = medianOf(windowMatches(pred, valSet.second));
      metrics.meta["val_match_noisy_median"] = before;
      metrics.meta["val_match_denoised_median"] = after;
      char line[200];
      std::snprintf(line, sizeof line, "held-out windows with a signal: median match %.3f noisy, %.3f denoised", before, after);
      ctx.log(line);
      ctx.metric("val_match_denoised", after, r.steps);
    }
    return {{"model", model}, {"metrics", metrics}};
  }

 private:
  Params p_;
  DenoiserParams cfg_;
};

// ---- gw.Denoise --------------------------------------------------------------------------------
struct DenoiseParams {
  std::string file, output;
};

const ParamDecls<DenoiseParams>& denoiseParams() {
  static const ParamDecls<DenoiseParams> d = [] {
    using P = DenoiseParams;
    ParamDecls<P> d;
    d.path("file", &P::file).withDoc("Whitened strain to denoise when no step is connected (HDF5, from gw.Whiten)");
    d.path("output", &P::output).withDoc("Denoised strain written (default: the step's folder, NAME.denoised.hdf5)");
    return d;
  }();
  return d;
}

class Denoise : public Component {
 public:
  explicit Denoise(const Params& p) : cfg_(denoiseParams().parse(p)) {}
  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    UNet1d net = loadDenoiser(in.at("model"));
    const double window = in.at("model").meta.value("window_s", 1.0);
    WhitenedFiles wf = in.count("strain") ? whitenedInput(in, "strain") : WhitenedFiles{ctx.resolve(cfg_.file).string(), "", "", 0};
    if (wf.noisy.empty()) throw std::runtime_error("denoise: connect a whitened strain (gw.Whiten) or set `file`");
    data::StrainData d = data::readStrain(wf.noisy);
    const double rate = d.strain.rate;
    const double modelRate = in.at("model").meta.value("rate", 0.0);
    if (modelRate > 0 && std::abs(modelRate - rate) > 1e-6)
      throw std::runtime_error("denoise: the model was trained at " + std::to_string(modelRate) + " Hz, '" + wf.noisy + "' is at " +
                               std::to_string(rate) + " Hz (resample it first)");
    const long L = std::lround(window * rate);
    const long n = static_cast<long>(d.strain.values.size());
    if (n < L) throw std::runtime_error("denoise: '" + wf.noisy + "' is shorter than one window");
    // Half-overlapping windows, blended with Hann weights normalised by their sum.
    const std::vector<double> w = signal::window(signal::Window::Hann, static_cast<std::size_t>(L), true);
    std::vector<double> acc(static_cast<std::size_t>(n), 0.0), wsum(static_cast<std::size_t>(n), 0.0);
    std::vector<long> starts;
    for (long s = 0; s + L <= n; s += L / 2) starts.push_back(s);
    if (starts.back() + L < n) starts.push_back(n - L);
    const auto t0 = std::chrono::steady_clock::now();
    torch::NoGradGuard ng;
    const std::size_t batch = 32;
    for (std::size_t b = 0; b < starts.size(); b += batch) {
      ctx.checkCancelled();
      const std::size_t nb = std::min(batch, starts.size() - b);
      at::Tensor x = torch::empty({static_cast<long>(nb), 1, L}, at::kFloat);
      float* xp = x.data_ptr<float>();
      for (std::size_t i = 0; i < nb; ++i)
        for (long j = 0; j < L; ++j) xp[i * L + j] = static_cast<float>(d.strain.values[static_cast<std::size_t>(starts[b + i] + j)]);
      const at::Tensor y = net->forward(x).contiguous();
      const float* yp = y.data_ptr<float>();
      for (std::size_t i = 0; i < nb; ++i)
        for (long j = 0; j < L; ++j) {
          const auto k = static_cast<std::size_t>(starts[b + i] + j);
          const double wj = w[static_cast<std::size_t>(j)] + 1e-3;  // never zero: the file's ends get a value
          acc[k] += wj * yp[i * L + j];
          wsum[k] += wj;
        }
      ctx.progress(static_cast<double>(b + nb) / static_cast<double>(starts.size()), "denoising");
    }
    for (long k = 0; k < n; ++k) d.strain.values[static_cast<std::size_t>(k)] = acc[static_cast<std::size_t>(k)] / wsum[static_cast<std::size_t>(k)];
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    d.strain.channel = d.detector + ":DENOISED";
    d.description = "Denoised whitened strain (TwinForge gw.Denoise)";
    const fs::path out = !cfg_.output.empty() ? ctx.resolve(cfg_.output)
                                              : ctx.workDir() / (fs::path(wf.noisy).stem().string() + ".denoised.hdf5");
    if (ctx.leader()) data::writeStrain(out.string(), d);
    char line[200];
    std::snprintf(line, sizeof line, "denoised %.0f s of strain in %.2f s (%.0f s of strain per second)", d.strain.duration(), secs,
                  d.strain.duration() / std::max(secs, 1e-9));
    ctx.log(line);
    Artifact a;
    a.type = "Path";
    a.meta = {{"path", out.string()}, {"noisy", wf.noisy}, {"clean", wf.clean}, {"events", wf.events},
              {"settle_s", wf.settle}, {"strain_seconds_per_second", d.strain.duration() / std::max(secs, 1e-9)}};
    return {{"denoised", a}};
  }

 private:
  DenoiseParams cfg_;
};

}  // namespace

void registerDenoiser(Registry& reg) {
  ComponentInfo w;
  w.classPath = "gw.Windows";
  w.doc = "Cut training windows from whitened strain: around each chirp (coalescence in the later half), each glitch, and at random";
  w.category = "Preprocessing";
  w.params = windowParams().schema();
  w.inputs = {{"strain", "Path", "whitened noisy and clean strain with the events (gw.Whiten)", false}};
  w.outputs = {{"dataset", "Dataset", "x: noisy (N, 1, samples); y: the injected signal; kind: 0 chirp, 1 glitch, 2 random", false}};
  w.factory = [](const Params& q) -> Component* { return new Windows(q); };
  w.recomputable = true;
  reg.add(w);

  ComponentInfo t;
  t.classPath = "gw.DenoiserTrainer";
  t.doc = "Train a 1-D U-Net to map whitened noisy strain windows to the whitened injected signal";
  t.category = "Training";
  t.params = denoiserParams().schema();
  for (auto& s : TrainerConfig::params().schema()) t.params.push_back(s);
  t.inputs = {{"train", "Dataset", "windows from gw.Windows", false}, {"val", "Dataset", "held-out windows", true}};
  t.outputs = {{"model", "Model", "the denoiser with its rate and window length", false},
               {"metrics", "Metrics", "losses; held-out median match, noisy and denoised", false}};
  t.factory = [](const Params& q) -> Component* { return new DenoiserTrainer(q); };
  reg.add(t);

  ComponentInfo d;
  d.classPath = "gw.Denoise";
  d.doc = "Denoise a whole whitened strain file with a trained denoiser, in half-overlapping windows";
  d.category = "Inference";
  d.params = denoiseParams().schema();
  d.inputs = {{"model", "Model", "from gw.DenoiserTrainer", false}, {"strain", "Path", "whitened strain (gw.Whiten)", true}};
  d.outputs = {{"denoised", "Path", "the denoised whitened strain (GWOSC layout) with the inputs it came from", false}};
  d.factory = [](const Params& q) -> Component* { return new Denoise(q); };
  reg.add(d);
}

}  // namespace tf::gw
