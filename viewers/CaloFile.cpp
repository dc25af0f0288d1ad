#include "CaloFile.h"

#include "io/Hdf5.h"
#include "io/Hdf5Tensor.h"

#include <ATen/ATen.h>

#include <cmath>
#include <mutex>
#include <stdexcept>

namespace tf::viewers {

struct CaloFile::Impl {
  h5::File file;
  std::mutex mu;
  int nx = 0, ny = 0, nz = 0;
  std::string angle;  // "theta", "eta" or empty
  bool energy = false;
};

bool CaloFile::recognises(const std::string& path) {
  try {
    h5::silenceErrorStack();
    return h5::File::open(path).hasDataset("ECAL");
  } catch (const std::exception&) {
    return false;
  }
}

CaloFile::CaloFile(const std::string& path) : path_(path) {
  h5::silenceErrorStack();
  d_ = std::make_unique<Impl>();
  d_->file = h5::File::open(path);
  if (!d_->file.hasDataset("ECAL"))
    throw std::runtime_error("'" + path + "': no dataset 'ECAL': not a 3DGAN-style calorimeter file");
  const h5::DatasetInfo ecal = d_->file.dataset("ECAL");
  if (ecal.shape.size() != 4)
    throw std::runtime_error("'" + path + "': dataset 'ECAL' has shape " + ecal.shapeString() +
                             "; expected (events, x, y, layers)");
  if (ecal.dtype != "float32" && ecal.dtype != "float64")
    throw std::runtime_error("'" + path + "': dataset 'ECAL' holds " + ecal.dtype + "; expected float32 or float64");
  events_ = static_cast<int>(ecal.shape[0]);
  d_->nx = static_cast<int>(ecal.shape[1]);
  d_->ny = static_cast<int>(ecal.shape[2]);
  d_->nz = static_cast<int>(ecal.shape[3]);
  auto perEvent = [&](const std::string& name) {
    if (!d_->file.hasDataset(name)) return false;
    const auto info = d_->file.dataset(name);
    if (info.shape.empty() || info.shape[0] != ecal.shape[0] || (info.shape.size() == 2 && info.shape[1] != 1) ||
        info.shape.size() > 2)
      throw std::runtime_error("'" + path + "': dataset '" + name + "' has shape " + info.shapeString() +
                               "; expected (" + std::to_string(events_) + ") or (" + std::to_string(events_) + ", 1)");
    return true;
  };
  d_->energy = perEvent("energy");
  if (perEvent("theta"))
    d_->angle = "theta";
  else if (perEvent("eta"))
    d_->angle = "eta";
}

CaloFile::~CaloFile() = default;

std::pair<CellGrid, QString> CaloFile::event(int i) const {
  if (i < 0 || i >= events_)
    throw std::runtime_error("event " + std::to_string(i) + " is out of range: the file has " +
                             std::to_string(events_) + " events (0.." + std::to_string(events_ - 1) + ")");
  std::lock_guard<std::mutex> lock(d_->mu);
  at::Tensor t = h5::readTensor(d_->file, "ECAL", i, i + 1).to(at::kFloat).contiguous();
  CellGrid g;
  g.nx = d_->nx;
  g.ny = d_->ny;
  g.nz = d_->nz;
  const float* p = t.data_ptr<float>();
  g.e.assign(p, p + t.numel());
  QString caption;
  if (d_->energy)
    caption = QStringLiteral("E = %1 GeV").arg(h5::readTensor(d_->file, "energy", i, i + 1).item<double>(), 0, 'g', 4);
  if (d_->angle == "theta")
    caption += QStringLiteral("%1θ = %2°")
                   .arg(caption.isEmpty() ? "" : ", ")
                   .arg(h5::readTensor(d_->file, "theta", i, i + 1).item<double>() * 180.0 / M_PI, 0, 'f', 1);
  else if (d_->angle == "eta")
    caption += QStringLiteral("%1η = %2")
                   .arg(caption.isEmpty() ? "" : ", ")
                   .arg(h5::readTensor(d_->file, "eta", i, i + 1).item<double>(), 0, 'f', 3);
  double sum = 0;
  for (float v : g.e) sum += v;
  caption += QStringLiteral("%1deposited %2 GeV").arg(caption.isEmpty() ? "" : ", ").arg(sum, 0, 'g', 4);
  return {std::move(g), caption};
}

}  // namespace tf::viewers
