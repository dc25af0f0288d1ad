// Virgo's glitch-flow set-up: the strain channel's Q-transform image predicted from auxiliary
// channels' images ((N, channels, 64, 64), L1 loss, Adam 1e-4) by a 2-D U-Net with attention
// gates, with a synthetic auxiliary-channel generator (sums of sines and noise; strain their
// linear combination plus noise). Native steps gw.AuxChannelImages and gw.GlitchFlowTrainer,
// and itwinai's use-cases/virgo/config.yaml class paths, which run that file unchanged:
//   data.TimeSeriesDatasetGenerator      data_root
//   data.TimeSeriesDatasetSplitterSmall  train_proportion, validation_proportion, rnd_seed, images_dataset
//   data.TimeSeriesProcessorSmall        name
//   data.TimeSeriesDatasetSplitter       hdf5_file_location, hdf5_dataset_name, chunk_size, proportions, rnd_seed
//   trainer.NoiseGeneratorTrainer        config {generator, batch_size, optim_lr, loss, ...}, num_epochs, ...
// The image file is one HDF5 dataset "virgo_dataset" (N, 1 + aux, 64, 64), channel 0 the strain:
// what itwinai's training_pipeline reads from hdf5_file_location.
#include "Denoiser.h"

#include "exec/Component.h"
#include "exec/ParamDecls.h"
#include "io/Hdf5.h"
#include "io/Hdf5Tensor.h"
#include "io/Recipe.h"
#include "registry/ItwinaiArgs.h"
#include "registry/Registry.h"
#include "signal/Signal.h"
#include "train/Trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <cmath>
#include <filesystem>
#include <random>
#include <thread>

namespace fs = std::filesystem;

namespace tf::gw {

namespace {

using cfg::Node;

// ---- the networks --------------------------------------------------------------------------

torch::nn::Sequential convBlock(std::int64_t in, std::int64_t out) {
  return torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1)), torch::nn::ReLU(),
                               torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, 3).padding(1)), torch::nn::ReLU());
}

// Additive attention gate (Oktay et al. 2018): the decoder's coarser features decide which
// parts of the skip connection pass.
struct AttentionGateImpl : torch::nn::Module {
  AttentionGateImpl(std::int64_t gate, std::int64_t skip, std::int64_t inter)
      : wg(register_module("wg", torch::nn::Conv2d(torch::nn::Conv2dOptions(gate, inter, 1)))),
        wx(register_module("wx", torch::nn::Conv2d(torch::nn::Conv2dOptions(skip, inter, 1)))),
        psi(register_module("psi", torch::nn::Conv2d(torch::nn::Conv2dOptions(inter, 1, 1)))) {}
  at::Tensor forward(const at::Tensor& g, const at::Tensor& x) {
    const at::Tensor a = torch::sigmoid(psi->forward(torch::relu(wg->forward(g) + wx->forward(x))));
    return x * a;
  }
  torch::nn::Conv2d wg, wx, psi;
};
TORCH_MODULE(AttentionGate);

struct GlitchFlowSpec {
  std::string arch = "attention-unet";  // or "simple" (itwinai's Decoder)
  std::int64_t width = 16, levels = 4, inChannels = 3;
  nlohmann::json toJson() const { return {{"arch", arch}, {"width", width}, {"levels", levels}, {"in_channels", inChannels}}; }
};

struct GlitchFlowNetImpl : torch::nn::Module {
  explicit GlitchFlowNetImpl(const GlitchFlowSpec& s) : spec(s) {
    if (s.arch == "simple") {
      // itwinai's Decoder: 3 -> 32 -> 64 -> 64 -> 1, 7 x 7 kernels, LeakyReLU(0.2), ReLU out.
      const auto c = [](std::int64_t i, std::int64_t o) { return torch::nn::Conv2d(torch::nn::Conv2dOptions(i, o, 7).padding(3)); };
      simple = register_module("simple", torch::nn::Sequential(c(s.inChannels, 32), torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2)),
                                                                  c(32, 64), torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2)),
                                                                  c(64, 64), torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2)),
                                                                  c(64, 1), torch::nn::ReLU()));
      return;
    }
    down = register_module("down", torch::nn::ModuleList());
    up = register_module("up", torch::nn::ModuleList());
    upconv = register_module("upconv", torch::nn::ModuleList());
    gates = register_module("gates", torch::nn::ModuleList());
    std::int64_t in = s.inChannels;
    for (std::int64_t i = 0; i < s.levels; ++i) {
      down->push_back(convBlock(in, s.width << i));
      in = s.width << i;
    }
    for (std::int64_t i = s.levels - 2; i >= 0; --i) {
      const std::int64_t w = s.width << i;
      upconv->push_back(torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(2 * w, w, 2).stride(2)));
      gates->push_back(AttentionGate(w, w, std::max<std::int64_t>(w / 2, 1)));
      up->push_back(convBlock(2 * w, w));
    }
    head = register_module("head", torch::nn::Conv2d(torch::nn::Conv2dOptions(s.width, 1, 1)));
  }
  at::Tensor forward(const at::Tensor& xIn) {
    if (simple) return simple->forward(xIn);
    std::vector<at::Tensor> skips;
    at::Tensor x = xIn;
    for (std::size_t i = 0; i < down->size(); ++i) {
      x = down[i]->as<torch::nn::Sequential>()->forward(x);
      if (i + 1 < down->size()) {
        skips.push_back(x);
        x = torch::max_pool2d(x, 2);
      }
    }
    for (std::size_t j = 0; j < up->size(); ++j) {
      x = upconv[j]->as<torch::nn::ConvTranspose2d>()->forward(x);
      const at::Tensor skip = gates[j]->as<AttentionGate>()->forward(x, skips[skips.size() - 1 - j]);
      x = up[j]->as<torch::nn::Sequential>()->forward(torch::cat({x, skip}, 1));
    }
    return head->forward(x);
  }
  GlitchFlowSpec spec;
  torch::nn::Sequential simple{nullptr};
  torch::nn::ModuleList down{nullptr}, up{nullptr}, upconv{nullptr}, gates{nullptr};
  torch::nn::Conv2d head{nullptr};
};
TORCH_MODULE(GlitchFlowNet);

// ---- synthetic auxiliary channels and their Q-transform images ------------------------------

struct AuxConfig {
  std::int64_t rows = 1000, auxChannels = 3, square = 64;
  double duration = 16, rate = 500;
  std::int64_t wavesMin = 20, wavesMax = 25;
  double auxNoise = 0.6, mainNoise = 0.1, fMin = 10, fMax = 150;
  std::uint64_t seed = 42;
};

// A Q-transform image (time x frequency on a 1000 x 280 grid, as gwpy's default output for
// frange 10-150 Hz) cut to square x square around `peak` (the strain channel's loudest pixel).
at::Tensor qImageOf(const signal::TimeSeries& x, const AuxConfig& c, std::pair<long, long>* peak) {
  signal::QOptions o;
  o.fMin = c.fMin;
  o.fMax = c.fMax;
  const signal::QPlane plane = signal::qScan(x, o);
  const signal::Spectrogram img = signal::qImage(plane, 1000, 280);
  long pt = 0, pf = 0;
  if (!peak || peak->first < 0) {
    float best = -1;
    for (std::size_t t = 0; t < img.rows; ++t)
      for (std::size_t f = 0; f < img.cols; ++f)
        if (img.at(t, f) > best) {
          best = img.at(t, f);
          pt = static_cast<long>(t);
          pf = static_cast<long>(f);
        }
    if (peak) *peak = {pt, pf};
  } else {
    pt = peak->first;
    pf = peak->second;
  }
  // itwinai's cut_image: a square starting half a square before the peak, kept inside.
  const long S = c.square;
  const long t0 = std::clamp(pt - S / 2, 0L, static_cast<long>(img.rows) - S), f0 = std::clamp(pf - S / 2, 0L, static_cast<long>(img.cols) - S);
  at::Tensor out = torch::empty({S, S}, at::kFloat);
  float* o2 = out.data_ptr<float>();
  for (long i = 0; i < S; ++i)
    for (long j = 0; j < S; ++j) o2[i * S + j] = img.at(static_cast<std::size_t>(t0 + i), static_cast<std::size_t>(f0 + j));
  return out;
}

at::Tensor makeAuxImages(const AuxConfig& c, StepContext& ctx) {
  const auto n = static_cast<std::size_t>(c.duration * c.rate);
  const std::int64_t C = 1 + c.auxChannels;
  at::Tensor all = torch::empty({c.rows, C, c.square, c.square}, at::kFloat);
  std::atomic<std::int64_t> next{0}, done{0};
  std::exception_ptr failure;
  std::mutex m;
  auto worker = [&] {
    try {
      for (std::int64_t r = next++; r < c.rows; r = next++) {
        std::mt19937_64 rng(c.seed * 1000003 + static_cast<std::uint64_t>(r));
        std::uniform_real_distribution<double> u(0, 1);
        std::normal_distribution<double> g(0, 1);
        std::vector<signal::TimeSeries> ch(static_cast<std::size_t>(C));
        for (auto& s : ch) {
          s.rate = c.rate;
          s.values.assign(n, 0.0);
        }
        // Auxiliary channels: sums of sines and noise. The strain: a random linear combination of
        // them plus noise (per sample; itwinai's generator adds one number per series).
        std::vector<double> weights;
        for (std::int64_t a = 1; a < C; ++a) {
          auto& v = ch[static_cast<std::size_t>(a)].values;
          const int waves = static_cast<int>(c.wavesMin + std::floor(u(rng) * static_cast<double>(c.wavesMax - c.wavesMin)));
          for (int w = 0; w < waves; ++w) {
            const double amp = 0.5 + 1.5 * u(rng), f = 0.5 + 4.5 * u(rng), ph = 2 * M_PI * u(rng);
            for (std::size_t i = 0; i < n; ++i) v[i] += amp * std::sin(2 * M_PI * f * static_cast<double>(i) / c.rate + ph);
          }
          for (auto& x : v) x += c.auxNoise * g(rng);
          weights.push_back(u(rng));
        }
        auto& main = ch[0].values;
        for (std::size_t i = 0; i < n; ++i) {
          double s = c.mainNoise * g(rng);
          for (std::int64_t a = 1; a < C; ++a) s += weights[static_cast<std::size_t>(a - 1)] * ch[static_cast<std::size_t>(a)].values[i];
          main[i] = s;
        }
        std::pair<long, long> peak{-1, -1};
        for (std::int64_t a = 0; a < C; ++a) all[r][a].copy_(qImageOf(ch[static_cast<std::size_t>(a)], c, &peak));
        const std::int64_t d = ++done;
        if (d % 16 == 0) {
          std::lock_guard<std::mutex> lock(m);
          ctx.progress(static_cast<double>(d) / static_cast<double>(c.rows), "Q-transform images");
        }
        if (ctx.cancelled()) return;
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(m);
      failure = std::current_exception();
    }
  };
  const int threads = std::max(1, ctx.threads());
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  ctx.checkCancelled();
  return all;
}

// Images file: dataset "virgo_dataset" (N, 1 + aux, S, S), channel 0 the strain.
at::Tensor readImages(const std::string& path, const std::string& dataset) {
  h5::File f = h5::File::open(path);
  if (!f.hasDataset(dataset)) throw std::runtime_error("'" + path + "': no dataset '" + dataset + "' (expected (N, channels, H, W) Q-transform images)");
  at::Tensor t = h5::readTensor(f, dataset).to(at::kFloat);
  if (t.dim() != 4 || t.size(1) < 2)
    throw std::runtime_error("'" + path + "': '" + dataset + "' must be (N, 1 + aux channels, H, W), the strain first");
  return t;
}

void writeImages(const std::string& path, const at::Tensor& t) {
  fs::create_directories(fs::path(path).parent_path());
  io::writeAtomic(path, [&](const fs::path& tmp) {
    h5::File f = h5::File::create(tmp.string());
    h5::writeTensor(f, "virgo_dataset", t);
  });
}

Artifact dataset(const at::Tensor& x, const std::string& source) {
  Artifact a;
  a.type = "Dataset";
  a.tensors["x"] = x;
  a.meta = {{"layout", "virgo-images"}, {"channels", x.size(1)}, {"source", source}};
  return a;
}

// itwinai's normalize_: each channel divided by its largest value over the set.
at::Tensor normalise(const at::Tensor& x) {
  const at::Tensor mx = std::get<0>(x.transpose(0, 1).reshape({x.size(1), -1}).max(1)).clamp_min(1e-12);
  return x / mx.view({1, -1, 1, 1});
}

std::pair<at::Tensor, at::Tensor> split(const at::Tensor& x, double trainShare, std::uint64_t seed) {
  torch::manual_seed(seed);
  const at::Tensor perm = torch::randperm(x.size(0), at::kLong);
  const std::int64_t nTrain = std::clamp<std::int64_t>(std::llround(trainShare * static_cast<double>(x.size(0))), 1, x.size(0) - 1);
  return {x.index_select(0, perm.slice(0, 0, nTrain)), x.index_select(0, perm.slice(0, nTrain))};
}

// ---- training (shared by the native step and itwinai's trainer) ---------------------------------

Artifacts trainGlitchFlow(StepContext& ctx, const Artifact& train, const Artifact* val, GlitchFlowSpec spec, const std::string& loss,
                          const TrainerConfig& cfg) {
  const at::Tensor& all = train.tensor("x");
  if (all.dim() != 4 || all.size(1) < 2)
    throw std::runtime_error("train: expected images (N, 1 + aux channels, H, W), the strain channel first");
  const std::int64_t multiple = spec.arch == "simple" ? 1 : (std::int64_t{1} << (spec.levels - 1));
  if (all.size(2) % multiple || all.size(3) % multiple)
    throw std::runtime_error("train: images of " + std::to_string(all.size(2)) + " x " + std::to_string(all.size(3)) +
                             " do not divide by 2^(levels-1) = " + std::to_string(multiple));
  spec.inChannels = all.size(1) - 1;
  const at::Tensor x = all.slice(1, 1).contiguous(), y = all.slice(1, 0, 1).contiguous();
  torch::manual_seed(cfg.seed);
  GlitchFlowNet net(spec);
  std::int64_t params = 0;
  for (const auto& p : net->parameters()) params += p.numel();
  SupervisedTask task(
      net.ptr(), [net](const at::Tensor& t) mutable { return net->forward(t); },
      [loss](const at::Tensor& out, const at::Tensor& target) {
        return loss == "l2" || loss == "mse" ? torch::mse_loss(out, target) : torch::l1_loss(out, target);
      },
      cfg, false);
  ctx.log("training the glitch-flow network (" + spec.arch + (spec.arch == "simple" ? "" : ", width " + std::to_string(spec.width)) + ", " +
          std::to_string(params) + " parameters) on " + std::to_string(x.size(0)) + " sets of " + std::to_string(spec.inChannels) +
          " auxiliary-channel images " + std::to_string(x.size(2)) + " x " + std::to_string(x.size(3)) + ", " + std::to_string(cfg.epochs) +
          " epochs, " + loss + " loss, " + cfg.optimizer + " lr " + std::to_string(cfg.lr));
  Batch valSet;
  if (val) {
    const at::Tensor& v = val->tensor("x");
    valSet = {v.slice(1, 1).contiguous(), v.slice(1, 0, 1).contiguous()};
  }
  const TrainResult r = Trainer(cfg).fit(task, {x, y}, val ? &valSet : nullptr, ctx);
  net->to(at::kCPU);
  Artifact model;
  model.type = "Model";
  for (const auto& p : net->named_parameters()) model.tensors[p.key()] = p.value().detach().clone();
  model.meta = {{"arch", spec.toJson()}, {"task", "gw-glitchflow"}, {"parameters", params}};
  Artifact metrics;
  metrics.type = "Metrics";
  metrics.meta = {{"parameters", params}, {"epochs", r.epochsRun}, {"first_train_loss", r.firstLoss}, {"final_train_loss", r.lastLoss},
                  {"train_seconds", r.seconds}};
  if (val) {
    torch::NoGradGuard ng;
    net->eval();
    const at::Tensor pred = net->forward(valSet.first);
    const double l1 = (pred - valSet.second).abs().mean().item<double>();
    // The same error for a guess of the training set's mean image: what the network must beat.
    const double base = (y.mean(0, true) - valSet.second).abs().mean().item<double>();
    metrics.meta["val_l1"] = l1;
    metrics.meta["val_l1_mean_image"] = base;
    char line[200];
    std::snprintf(line, sizeof line, "held-out images: L1 %.4f (the training set's mean image: %.4f)", l1, base);
    ctx.log(line);
  }
  return {{"model", model}, {"metrics", metrics}};
}

// ---- native steps ----------------------------------------------------------------------------

struct AuxParams : AuxConfig {
  AuxParams() {}
  std::string file = "data/virgo_data.hdf5";
};

const ParamDecls<AuxParams>& auxParams() {
  static const ParamDecls<AuxParams> d = [] {
    using P = AuxParams;
    ParamDecls<P> d;
    d.path("file", &P::file).withDoc("Images written (HDF5 dataset virgo_dataset, (N, 1 + aux, S, S)); kept when made with the same settings");
    d.add<std::int64_t>("rows", &P::rows).range(4, 1000000).withDoc("Image sets (itwinai: 1000)");
    d.add<std::int64_t>("aux_channels", &P::auxChannels).range(1, 64).withDoc("Auxiliary channels (itwinai: 3)");
    d.add<std::int64_t>("square", &P::square).range(8, 256).withDoc("Image side in pixels, cut around the strain's loudest pixel");
    d.add<double>("duration", &P::duration).range(1, 600).withUnit("s").withDoc("Length of each series");
    d.add<double>("rate", &P::rate).range(64, 16384).withUnit("Hz").withDoc("Sample rate of the series");
    d.add<std::int64_t>("waves_min", &P::wavesMin).range(1, 1000).withDoc("Sines per auxiliary channel, fewest ...");
    d.add<std::int64_t>("waves_max", &P::wavesMax).range(1, 1000).withDoc("... and most");
    d.add<double>("aux_noise", &P::auxNoise).atLeast(0).withDoc("Gaussian noise in the auxiliary channels");
    d.add<double>("main_noise", &P::mainNoise).atLeast(0).withDoc("Gaussian noise added to the strain's linear combination");
    d.add<double>("f_min", &P::fMin).above(0).withUnit("Hz").withDoc("Q-transform band, low edge (itwinai: 10)");
    d.add<double>("f_max", &P::fMax).above(0).withUnit("Hz").withDoc("... high edge (itwinai: 150)");
    d.add<std::uint64_t>("seed", &P::seed).withDoc("Random seed");
    return d;
  }();
  return d;
}

std::string auxRecipe(const AuxConfig& c) {
  return "rows=" + std::to_string(c.rows) + " aux=" + std::to_string(c.auxChannels) + " S=" + std::to_string(c.square) + " dur=" +
         std::to_string(c.duration) + " rate=" + std::to_string(c.rate) + " waves=" + std::to_string(c.wavesMin) + ".." +
         std::to_string(c.wavesMax) + " noise=" + std::to_string(c.auxNoise) + "/" + std::to_string(c.mainNoise) + " band=" +
         std::to_string(c.fMin) + ".." + std::to_string(c.fMax) + " seed=" + std::to_string(c.seed) + " v1";
}

// The images in `file`: kept when its recipe matches (or `reuseAny`), else made and written.
at::Tensor imagesFor(StepContext& ctx, const fs::path& file, const AuxConfig& c, bool reuseAny) {
  if (fs::exists(file) && (reuseAny || io::madeWithRecipe(file, auxRecipe(c)))) {
    at::Tensor t = readImages(file.string(), "virgo_dataset");
    ctx.log("kept " + file.string() + ": " + std::to_string(t.size(0)) + " image sets of " + std::to_string(t.size(1)) + " channels");
    return t;
  }
  const auto t0 = std::chrono::steady_clock::now();
  at::Tensor t = makeAuxImages(c, ctx);
  if (ctx.leader()) {
    writeImages(file.string(), t);
    io::writeRecipe(file, auxRecipe(c));
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ctx.log("made " + std::to_string(c.rows) + " sets of Q-transform images (strain + " + std::to_string(c.auxChannels) +
          " auxiliary channels, " + std::to_string(c.square) + " x " + std::to_string(c.square) + ") in " + std::to_string(secs) +
          " s; wrote " + file.string());
  return t;
}

class AuxChannelImages : public Component {
 public:
  explicit AuxChannelImages(const Params& p) : cfg_(auxParams().parse(p)) {
    if (cfg_.wavesMin > cfg_.wavesMax) throw std::invalid_argument("waves_min must not exceed waves_max");
    if (cfg_.fMin >= cfg_.fMax) throw std::invalid_argument("f_min must be below f_max");
  }
  Artifacts run(StepContext& ctx, const Artifacts&) override {
    const fs::path file = ctx.resolve(cfg_.file);
    return {{"dataset", dataset(normalise(imagesFor(ctx, file, cfg_, false)), file.string())}};
  }

 private:
  AuxParams cfg_;
};

struct FlowParams {
  std::string arch = "attention-unet";
  std::int64_t width = 16, levels = 4;
  std::string loss = "l1";
};

const ParamDecls<FlowParams>& flowParams() {
  static const ParamDecls<FlowParams> d = [] {
    using P = FlowParams;
    ParamDecls<P> d;
    d.choice("arch", &P::arch, {"attention-unet", "simple"}).withDoc("2-D U-Net with attention gates, or itwinai's simple convolutional decoder");
    d.add("width", &P::width).range(2, 256).withDoc("Channels of the U-Net's first level, doubling per level");
    d.add("levels", &P::levels).range(1, 6).withDoc("Resolution levels of the U-Net");
    d.choice("loss", &P::loss, {"l1", "mse"}).withDoc("Loss against the strain channel's image (Virgo: L1)");
    return d;
  }();
  return d;
}

class GlitchFlowTrainer : public Component {
 public:
  explicit GlitchFlowTrainer(const Params& p) : p_(p), cfg_(flowParams().parse(p)) {}
  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    if (!in.count("train")) throw std::runtime_error("gw.GlitchFlowTrainer: no training images (connect gw.AuxChannelImages through a split)");
    GlitchFlowSpec s;
    s.arch = cfg_.arch;
    s.width = cfg_.width;
    s.levels = cfg_.levels;
    return trainGlitchFlow(ctx, in.at("train"), in.count("val") ? &in.at("val") : nullptr, s, cfg_.loss, TrainerConfig::fromParams(p_));
  }

 private:
  Params p_;
  FlowParams cfg_;
};

// ---- itwinai's Virgo class paths -------------------------------------------------------------

class ItwDatasetGenerator : public Component {
 public:
  explicit ItwDatasetGenerator(const Params& p) : p_(p) {}
  Artifacts run(StepContext& ctx, const Artifacts&) override {
    ArgReader a(ctx, p_, "data.TimeSeriesDatasetGenerator");
    const fs::path root = ctx.resolve(a.text("data_root", "data"));
    // itwinai writes pickles and reads them back next time; the images live in one HDF5 file
    // here (also what its training_pipeline reads), made once and kept.
    AuxConfig c;  // itwinai's: 1000 rows, 3 channels, 16 s at 500 Hz, 20-25 waves, noise 0.6/0.1
    const at::Tensor t = imagesFor(ctx, root / "virgo_data.hdf5", c, true);
    return {{"dataset", dataset(t, (root / "virgo_data.hdf5").string())}};
  }

 private:
  Params p_;
};

double shareOf(ArgReader& a, const char* trainKey, const char* valKey) {
  double train = 0.9;
  if (const Node* n = a.get(trainKey); n && n->asDouble()) train = *n->asDouble();
  if (const Node* n = a.get(valKey); n && n->asDouble() && std::abs(train + *n->asDouble() - 1) > 1e-9)
    a.warn(valKey, "the validation set is what the training share leaves (" + std::to_string(1 - train) + "); no test set is kept");
  if (!(train > 0 && train < 1)) throw std::runtime_error(std::string(trainKey) + " must lie between 0 and 1");
  return train;
}

class ItwSplitterSmall : public Component {
 public:
  explicit ItwSplitterSmall(const Params& p) : p_(p) {}
  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    ArgReader a(ctx, p_, "data.TimeSeriesDatasetSplitterSmall");
    at::Tensor x;
    if (in.count("dataset")) {
      x = in.at("dataset").tensor("x");
      if (a.get("images_dataset")) a.warn("images_dataset", "the images come from the previous step");
    } else {
      const std::string file = ctx.resolve(a.text("images_dataset", "data/virgo_data.hdf5")).string();
      x = readImages(file, "virgo_dataset");
    }
    std::uint64_t seed = 42;
    if (const Node* n = a.get("rnd_seed"); n && n->asInt()) seed = static_cast<std::uint64_t>(*n->asInt());
    auto [tr, va] = split(x, shareOf(a, "train_proportion", "validation_proportion"), seed);
    ctx.log("split " + std::to_string(x.size(0)) + " image sets into " + std::to_string(tr.size(0)) + " train and " +
            std::to_string(va.size(0)) + " validation");
    return {{"train", dataset(tr, "split")}, {"val", dataset(va, "split")}};
  }

 private:
  Params p_;
};

class ItwProcessorSmall : public Component {
 public:
  explicit ItwProcessorSmall(const Params& p) : p_(p) {}
  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    if (!in.count("train")) throw std::runtime_error("data.TimeSeriesProcessorSmall: no training images (put the splitter before it)");
    // As itwinai: each set normalised by its own channel maxima.
    Artifacts out{{"train", dataset(normalise(in.at("train").tensor("x")), "processed")}};
    if (in.count("val")) out["val"] = dataset(normalise(in.at("val").tensor("x")), "processed");
    ctx.log("normalised each channel by its largest value");
    return out;
  }

 private:
  Params p_;
};

class ItwSplitter : public Component {
 public:
  explicit ItwSplitter(const Params& p) : p_(p) {}
  Artifacts run(StepContext& ctx, const Artifacts&) override {
    ArgReader a(ctx, p_, "data.TimeSeriesDatasetSplitter");
    const std::string file = ctx.resolve(a.text("hdf5_file_location", "")).string();
    if (file.empty()) throw std::runtime_error("data.TimeSeriesDatasetSplitter: hdf5_file_location is not set (--set hdf5_file_location=FILE)");
    const std::string ds = a.text("hdf5_dataset_name", "virgo_dataset");
    if (a.get("chunk_size")) a.warn("chunk_size", "the images are read whole (HDF5 reads them in its own chunks)");
    std::uint64_t seed = 42;
    if (const Node* n = a.get("rnd_seed"); n && n->asInt()) seed = static_cast<std::uint64_t>(*n->asInt());
    const at::Tensor x = normalise(readImages(file, ds));
    auto [tr, va] = split(x, shareOf(a, "train_proportion", "validation_proportion"), seed);
    ctx.log("read " + std::to_string(x.size(0)) + " image sets from " + file + " (" + ds + "); " + std::to_string(tr.size(0)) + " train, " +
            std::to_string(va.size(0)) + " validation");
    return {{"train", dataset(tr, file)}, {"val", dataset(va, file)}};
  }

 private:
  Params p_;
};

class ItwNoiseGeneratorTrainer : public Component {
 public:
  explicit ItwNoiseGeneratorTrainer(const Params& p) : p_(p) {}
  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    ArgReader a(ctx, p_, "trainer.NoiseGeneratorTrainer");
    TrainerConfig cfg;
    cfg.optimizer = "adam";
    cfg.lr = 1e-4;
    cfg.epochs = 2;
    cfg.batchSize = 64;
    cfg.seed = 17;
    if (const Node* n = a.get("num_epochs"); n && n->asInt()) cfg.epochs = *n->asInt();
    if (const Node* n = a.get("random_seed"); n && n->asInt()) cfg.seed = static_cast<std::uint64_t>(*n->asInt());
    GlitchFlowSpec spec;
    std::string loss = "l1";
    if (const Node* c = a.get("config"); c && c->isMap()) {
      if (const Node* n = c->find("batch_size"); n && n->asInt()) cfg.batchSize = *n->asInt();
      if (const Node* n = c->find("optim_lr"); n && n->asDouble()) cfg.lr = *n->asDouble();
      if (const Node* n = c->find("loss"); n && n->isScalar()) loss = n->text();
      if (loss != "l1" && loss != "l2") throw std::runtime_error("trainer.NoiseGeneratorTrainer: config.loss must be l1 or l2, got '" + loss + "'");
      const std::string gen = c->find("generator") && c->find("generator")->isScalar() ? c->find("generator")->text() : "unet";
      if (gen == "simple") spec.arch = "simple";
      else if (gen == "unet") spec.arch = "attention-unet";
      else {
        ctx.log("warning: trainer.NoiseGeneratorTrainer config.generator = " + gen + " (" + c->find("generator")->location().str() +
                ") is not honoured: only simple and unet are built here; the attention U-Net is used");
        spec.arch = "attention-unet";
      }
      if (spec.arch == "attention-unet")
        ctx.log("note: config.generator = unet trains TwinForge's U-Net with attention gates (width 16, 4 levels), not itwinai's 64-1024-channel U-Net");
      if (const Node* n = c->find("save_best"); n && n->text() == "true")
        ctx.log("warning: trainer.NoiseGeneratorTrainer config.save_best = true (" + n->location().str() +
                ") is not honoured: the last epoch's model is kept (and each epoch's checkpoint in the run)");
    }
    if (a.get("checkpoint_path")) a.warn("checkpoint_path", "checkpoints go to the run's folder (resume with --resume)");
    if (a.get("validation_every") && a.text("validation_every", "0") != "0") a.warn("validation_every", "validation runs every epoch");
    for (const char* k : {"measure_gpu_data", "enable_torch_profiling"})
      if (a.text(k, "false") == "true") a.warn(k, "profiling is not built in; the run records timings per epoch");
    if (a.get("logger")) a.warn("logger", "TwinForge logs to its run store (MLflow layout) and the loggers: key");
    return trainGlitchFlow(ctx, in.at("train"), in.count("val") ? &in.at("val") : nullptr, spec, loss, cfg);
  }

 private:
  Params p_;
};

}  // namespace

void registerGlitchFlow(Registry& reg) {
  ComponentInfo g;
  g.classPath = "gw.AuxChannelImages";
  g.doc = "Synthetic auxiliary channels (sines and noise) and the strain as their linear combination plus noise, as Q-transform images";
  g.category = "Data";
  g.params = auxParams().schema();
  g.outputs = {{"dataset", "Dataset", "x: (N, 1 + aux, S, S) normalised per channel, the strain first", false}};
  g.factory = [](const Params& q) -> Component* { return new AuxChannelImages(q); };
  reg.add(g);

  ComponentInfo t;
  t.classPath = "gw.GlitchFlowTrainer";
  t.doc = "Train Virgo's glitch-flow network: the strain's Q-transform image from the auxiliary channels' (2-D attention U-Net, L1)";
  t.category = "Training";
  t.params = flowParams().schema();
  for (auto& s : TrainerConfig::params().schema()) t.params.push_back(s);
  t.inputs = {{"train", "Dataset", "images (gw.AuxChannelImages, split)", false}, {"val", "Dataset", "held-out images", true}};
  t.outputs = {{"model", "Model", "the network", false}, {"metrics", "Metrics", "losses; held-out L1 against the mean image's", false}};
  t.factory = [](const Params& q) -> Component* { return new GlitchFlowTrainer(q); };
  reg.add(t);

  ComponentInfo d;
  d.classPath = "data.TimeSeriesDatasetGenerator";
  d.doc = "itwinai Virgo: synthetic strain and auxiliary channels as 64 x 64 Q-transform images in data_root (made once, kept)";
  d.category = "itwinai";
  d.params = {ParamSpec::Path("data_root", "data").withDoc("Folder of the images (virgo_data.hdf5)"), ParamSpec::String("name")};
  d.outputs = {{"dataset", "Dataset", "the images", false}};
  d.factory = [](const Params& q) -> Component* { return new ItwDatasetGenerator(q); };
  reg.add(d);

  ComponentInfo s;
  s.classPath = "data.TimeSeriesDatasetSplitterSmall";
  s.doc = "itwinai Virgo: split the image sets into training and validation";
  s.category = "itwinai";
  s.params = {anyParam("train_proportion", "Training share"), anyParam("validation_proportion", "Validation share"),
              anyParam("rnd_seed", "Split seed"), ParamSpec::Path("images_dataset").withDoc("Images when no step precedes"),
              ParamSpec::String("name")};
  s.inputs = {{"dataset", "Dataset", "images", true}};
  s.outputs = {{"train", "Dataset", "training images", false}, {"val", "Dataset", "validation images", false}};
  s.factory = [](const Params& q) -> Component* { return new ItwSplitterSmall(q); };
  reg.add(s);

  ComponentInfo pr;
  pr.classPath = "data.TimeSeriesProcessorSmall";
  pr.doc = "itwinai Virgo: normalise each channel by its largest value";
  pr.category = "itwinai";
  pr.params = {ParamSpec::String("name")};
  pr.inputs = {{"train", "Dataset", "training images", false}, {"val", "Dataset", "validation images", true}};
  pr.outputs = {{"train", "Dataset", "normalised", false}, {"val", "Dataset", "normalised", false}};
  pr.factory = [](const Params& q) -> Component* { return new ItwProcessorSmall(q); };
  reg.add(pr);

  ComponentInfo sp;
  sp.classPath = "data.TimeSeriesDatasetSplitter";
  sp.doc = "itwinai Virgo: images from an HDF5 file (N, 1 + aux, H, W), normalised and split";
  sp.category = "itwinai";
  sp.params = {ParamSpec::Path("hdf5_file_location").withDoc("The images file (gw.AuxChannelImages writes one)"),
               ParamSpec::String("hdf5_dataset_name", "virgo_dataset"), anyParam("chunk_size", "itwinai's read chunk"),
               anyParam("train_proportion", "Training share"), anyParam("validation_proportion", "Validation share"),
               anyParam("rnd_seed", "Split seed"), ParamSpec::String("name")};
  sp.outputs = {{"train", "Dataset", "training images", false}, {"val", "Dataset", "validation images", false}};
  sp.factory = [](const Params& q) -> Component* { return new ItwSplitter(q); };
  reg.add(sp);

  ComponentInfo tr;
  tr.classPath = "trainer.NoiseGeneratorTrainer";
  tr.doc = "itwinai Virgo: train the strain image generator from auxiliary channels (Adam, L1)";
  tr.category = "itwinai";
  tr.params = {anyParam("config", "generator (simple | unet), batch_size, optim_lr, loss (l1 | l2), save_best, shuffle_train"),
               anyParam("num_epochs", "Epochs"), anyParam("strategy", "itwinai strategy; TwinForge's --nproc decides"),
               anyParam("checkpoint_path", "Checkpoint pattern"), anyParam("random_seed", "Seed"),
               anyParam("validation_every", "Epochs between validations"), anyParam("logger", "itwinai logger"),
               anyParam("measure_gpu_data", "Profiling"), anyParam("enable_torch_profiling", "Profiling"),
               anyParam("measure_epoch_time", "Profiling"), anyParam("run_name", "Run name"),
               anyParam("profiling_wait_epochs", "Profiling"), anyParam("profiling_warmup_epochs", "Profiling"), ParamSpec::String("name")};
  tr.inputs = {{"train", "Dataset", "training images", false}, {"val", "Dataset", "validation images", true}};
  tr.outputs = {{"model", "Model", "the network", false}, {"metrics", "Metrics", "losses", false}};
  tr.factory = [](const Params& q) -> Component* { return new ItwNoiseGeneratorTrainer(q); };
  reg.add(tr);
}

}  // namespace tf::gw
