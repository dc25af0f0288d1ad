// Plugin "synthetic": seeded, deterministic data sets for trying pipelines without downloads.
// synthetic.RegressionSet writes an HDF5 file (x, y) that core.HDF5Reader reads back.
#include "exec/Component.h"
#include "exec/Params.h"
#include "io/Hdf5Tensor.h"
#include "registry/Plugin.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <ostream>

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormatTag = "twinforge-synthetic";

class RegressionSet : public tf::Component {
 public:
  explicit RegressionSet(const tf::Params& p) : p_(p) {}

  tf::Artifacts run(tf::StepContext& ctx, const tf::Artifacts&) override {
    fs::path path = p_.getString("file");
    path = ctx.resolve(path);
    const std::int64_t n = p_.getInt("samples"), d = p_.getInt("features");
    const std::string task = p_.getString("task");
    const auto seed = static_cast<std::uint64_t>(p_.getInt("seed"));
    const double noise = p_.getDouble("noise");

    if (!ctx.leader()) {
      // Data-parallel runs: rank 0 writes the file; the executor holds the others until it has.
    } else if (fs::exists(path) && !p_.getBool("overwrite")) {
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
        const std::int64_t k = p_.getInt("classes");
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
  tf::Params p_;
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
  c.params = {
      tf::ParamSpec::Path("file", "data/synthetic.h5")
          .withDoc("Output file; relative paths are taken from the workspace folder"),
      tf::ParamSpec::Enum("task", {"regression", "classification"}, "regression").withDoc("Kind of target"),
      tf::ParamSpec::Int("samples", "4096").atLeast(2).withDoc("Number of samples"),
      tf::ParamSpec::Int("features", "8").atLeast(1).withDoc("Features per sample"),
      tf::ParamSpec::Int("classes", "3").atLeast(2).withDoc("Classes (classification only)"),
      tf::ParamSpec::Float("noise", "0.05").atLeast(0).withDoc("Standard deviation of the added noise"),
      tf::ParamSpec::Int("seed", "7").atLeast(0).withDoc("Random seed; the same seed gives the same file"),
      tf::ParamSpec::Bool("overwrite", true).withDoc("Regenerate when the file exists"),
  };
  c.outputs = {{"path", "Path", "the file written", false}};
  c.factory = [](const tf::Params& p) -> tf::Component* { return new RegressionSet(p); };
  reg.add(c);
  reg.addFileInspector({"synthetic set", "", inspect});
}
