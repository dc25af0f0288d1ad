// core.HDF5Reader: features (and targets) from any datasets of an HDF5 file, shape-checked.
#include "components/Builtins.h"
#include "exec/Component.h"
#include "exec/ParamDecls.h"
#include "io/Hdf5Tensor.h"
#include "registry/Registry.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace tf {

namespace {

struct Hdf5ReaderConfig {
  std::string file;
  std::string features = "x", targets = "y";
  std::vector<std::int64_t> featuresShape, targetsShape;  // empty: not checked
};

const ParamDecls<Hdf5ReaderConfig>& hdf5ReaderParams() {
  static const ParamDecls<Hdf5ReaderConfig> d = [] {
    using C = Hdf5ReaderConfig;
    ParamDecls<C> d;
    d.path("file", &C::file)
        .withDoc("HDF5 file; relative paths are taken from the workspace folder. A connected Path input wins");
    d.add("features", &C::features).withDoc("Dataset path of the features, one row per sample");
    d.add("targets", &C::targets).withDoc("Dataset path of the targets (empty: none)");
    d.add("features_shape", &C::featuresShape)
        .withDoc("Expected shape of the features, -1 for any extent, e.g. [-1, 8]");
    d.add("targets_shape", &C::targetsShape).withDoc("Expected shape of the targets, -1 for any extent");
    return d;
  }();
  return d;
}

class Hdf5Reader : public Component {
 public:
  explicit Hdf5Reader(const Params& p) : cfg_(hdf5ReaderParams().parse(p)) {}

  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    std::string file = cfg_.file;
    if (in.count("path")) file = in.at("path").meta.value("path", file);
    if (file.empty())
      throw std::runtime_error("no file: set the 'file' parameter or connect a step that outputs a Path");
    fs::path path = file;
    path = ctx.resolve(path);

    h5::File f = h5::File::open(path.string());
    const std::string& features = cfg_.features;
    const std::string& targets = cfg_.targets;
    const h5::DatasetInfo fi = f.dataset(features);
    if (!cfg_.featuresShape.empty()) h5::checkShape(f, fi, cfg_.featuresShape);
    if (fi.shape.empty())
      throw std::runtime_error("'" + path.string() + "': dataset '" + features +
                               "' is a scalar, expected rows of samples");
    std::optional<h5::DatasetInfo> ti;
    if (!targets.empty()) {
      ti = f.dataset(targets);
      if (!cfg_.targetsShape.empty()) h5::checkShape(f, *ti, cfg_.targetsShape);
      if (ti->shape.empty() || ti->shape[0] != fi.shape[0])
        throw std::runtime_error("'" + path.string() + "': '" + features + "' has " + std::to_string(fi.shape[0]) +
                                 " rows but '" + targets + "' has " +
                                 (ti->shape.empty() ? std::string("none") : std::to_string(ti->shape[0])));
    }

    // Read in row chunks so a long read reports progress and can be cancelled.
    const auto rows = static_cast<std::int64_t>(fi.shape[0]);
    std::int64_t rowBytes = 8;
    for (std::size_t i = 1; i < fi.shape.size(); ++i) rowBytes *= static_cast<std::int64_t>(fi.shape[i]);
    const std::int64_t chunk = std::max<std::int64_t>(1, (64ll << 20) / std::max<std::int64_t>(1, rowBytes));
    std::vector<at::Tensor> xs, ys;
    for (std::int64_t r = 0; r < rows; r += chunk) {
      ctx.checkCancelled();
      const std::int64_t e = std::min(rows, r + chunk);
      xs.push_back(h5::readTensor(f, features, r, e));
      if (ti) ys.push_back(h5::readTensor(f, targets, r, e));
      ctx.progress(static_cast<double>(e) / static_cast<double>(rows),
                   "read " + std::to_string(e) + " of " + std::to_string(rows) + " rows");
    }
    Artifact a;
    a.type = "Dataset";
    a.tensors["x"] = xs.size() == 1 ? xs[0] : at::cat(xs);
    if (ti) a.tensors["y"] = ys.size() == 1 ? ys[0] : at::cat(ys);
    a.meta = {{"source", path.string()}, {"features", features}, {"targets", targets}, {"samples", rows}};
    ctx.log("read " + std::to_string(rows) + " samples: " + features + " " + fi.shapeString() + " " + fi.dtype +
            (ti ? ", " + targets + " " + ti->shapeString() + " " + ti->dtype : std::string()) + " from " +
            path.string());
    return {{"dataset", a}};
  }

 private:
  Hdf5ReaderConfig cfg_;
};

}  // namespace

void registerHdf5Reader(Registry& reg) {
  ComponentInfo c;
  c.classPath = "core.HDF5Reader";
  c.doc = "Read features and targets from datasets of an HDF5 file, checking their shapes";
  c.category = "Data";
  c.params = hdf5ReaderParams().schema();
  c.inputs = {{"path", "Path", "file to read instead of 'file'", true}};
  c.outputs = {{"dataset", "Dataset", "x (features) and y (targets)", false}};
  c.factory = [](const Params& p) -> Component* { return new Hdf5Reader(p); };
  c.recomputable = true;  // the file is there; storing the dataset again would double it
  reg.add(c);
}

}  // namespace tf
