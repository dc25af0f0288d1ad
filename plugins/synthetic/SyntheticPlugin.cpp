// Plugin "synthetic": seeded, deterministic data sets for trying pipelines without downloads.
// synthetic.RegressionSet writes an HDF5 file (x, y) that core.HDF5Reader reads back.
#include "exec/Component.h"
#include "exec/ParamDecls.h"
#include "io/Hdf5Tensor.h"
#include "registry/Plugin.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <ostream>

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormatTag = "twinforge-synthetic";

struct SetConfig {
  std::string file = "data/synthetic.h5";
  std::string task = "regression";
  std::int64_t samples = 4096, features = 8, classes = 3;
  double noise = 0.05;
  std::uint64_t seed = 7;
  bool overwrite = true;
};

const tf::ParamDecls<SetConfig>& setParams() {
  static const tf::ParamDecls<SetConfig> d = [] {
    using C = SetConfig;
    tf::ParamDecls<C> d;
    d.path("file", &C::file).withDoc("Output file; relative paths are taken from the workspace folder");
    d.choice("task", &C::task, {"regression", "classification"}).withDoc("Kind of target");
    d.add("samples", &C::samples).atLeast(2).withDoc("Number of samples");
    d.add("features", &C::features).atLeast(1).withDoc("Features per sample");
    d.add("classes", &C::classes).atLeast(2).withDoc("Classes (classification only)");
    d.add("noise", &C::noise).atLeast(0).withDoc("Standard deviation of the added noise");
    d.add("seed", &C::seed).withDoc("Random seed; the same seed gives the same file");
    d.add("overwrite", &C::overwrite).withDoc("Regenerate when the file exists");
    return d;
  }();
  return d;
}

class RegressionSet : public tf::Component {
 public:
  explicit RegressionSet(const tf::Params& p) : cfg_(setParams().parse(p)) {}

  tf::Artifacts run(tf::StepContext& ctx, const tf::Artifacts&) override {
    fs::path path = cfg_.file;
    path = ctx.resolve(path);
    const std::int64_t n = cfg_.samples, d = cfg_.features;
    const std::string& task = cfg_.task;
    const std::uint64_t seed = cfg_.seed;
    const double noise = cfg_.noise;

    if (!ctx.leader()) {
      // Data-parallel runs: rank 0 writes the file; the executor holds the others until it has.
    } else if (fs::exists(path) && !cfg_.overwrite) {
      ctx.log("keeping existing " + path.string() + " (overwrite: false)");
    } else {
      auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
      auto f32 = at::TensorOptions().dtype(at::kFloat);
      at::Tensor x = at::randn({n, d}, gen, f32);
      // A smooth non-linear target an MLP can learn but a linear model cannot.
      at::Tensor w1 = at::randn({d, 1}, gen, f32) / std::sqrt(static_cast<double>(d));
      at::Tensor w2 = at::randn({d, 1}, gen, f32) / std::sqrt(static_cast<double>(d));
      at::Tensor signal = at::sin(2.0 * x.matmul(w1)) + 0.5 * x.matmul(w2).pow(2);
      at::Tensor y;
      if (task == "classification") {
        const std::int64_t k = cfg_.classes;
        at::Tensor w3 = at::randn({d, k}, gen, f32) / std::sqrt(static_cast<double>(d));
        at::Tensor scores = at::tanh(x.matmul(w3)) + signal + noise * at::randn({n, k}, gen, f32);
        y = scores.argmax(1).to(at::kLong);
      } else {
        y = signal + noise * at::randn({n, 1}, gen, f32);
      }
      fs::create_directories(path.parent_path().empty() ? fs::path(".") : path.parent_path());
      const fs::path tmp = path.string() + ".tmp";
      {
        tf::h5::File f = tf::h5::File::create(tmp.string());
        tf::h5::writeTensor(f, "x", x);
        tf::h5::writeTensor(f, "y", y);
        f.setAttribute("/", "twinforge_format", kFormatTag);
        f.setAttribute("/", "task", task);
        f.setAttribute("/", "seed", static_cast<double>(seed));
        f.setAttribute("/", "noise", noise);
        f.setAttribute("/", "description",
                       task == "classification" ? "argmax of non-linear class scores of Gaussian features"
                                                : "y = sin(2 x.w1) + 0.5 (x.w2)^2 + noise, x ~ N(0, 1)");
      }
      fs::rename(tmp, path);
      ctx.log("wrote " + std::to_string(n) + " " + task + " samples with " + std::to_string(d) + " features to " +
              path.string());
    }
    tf::Artifact out;
    out.type = "Path";
    out.meta = {{"path", path.string()}};
    return {{"path", out}};
  }

 private:
  SetConfig cfg_;
};

bool inspect(const std::string& path, std::ostream& out) {
  if (!tf::h5::isHdf5(path)) return false;
  tf::h5::File f = tf::h5::File::open(path);
  auto attrs = f.attributes("/");
  auto it = attrs.find("twinforge_format");
  if (it == attrs.end() || it->second != kFormatTag) return false;
  auto x = f.dataset("x"), y = f.dataset("y");
  out << "Format: TwinForge synthetic " << attrs["task"] << " set (plugin synthetic)\n"
      << "  " << attrs["description"] << "\n"
      << "  samples: " << x.shape.at(0) << ", features: " << (x.shape.size() > 1 ? x.shape[1] : 1) << "\n"
      << "  seed: " << attrs["seed"] << ", noise: " << attrs["noise"] << "\n"
      << "Datasets:\n  /x  " << x.shapeString() << "  " << x.dtype << "  features\n"
      << "  /y  " << y.shapeString() << "  " << y.dtype << "  "
      << (attrs["task"] == "classification" ? "class labels" : "targets") << "\n";
  return true;
}

}  // namespace

TWINFORGE_PLUGIN(synthetic) {
  tf::ComponentInfo c;
  c.classPath = "synthetic.RegressionSet";
  c.doc = "Generate a seeded synthetic regression or classification set as an HDF5 file (x, y)";
  c.category = "Data";
  c.params = setParams().schema();
  c.outputs = {{"path", "Path", "the file written", false}};
  c.factory = [](const tf::Params& p) -> tf::Component* { return new RegressionSet(p); };
  reg.add(c);
  reg.addFileInspector({"synthetic set", "", inspect});
}
