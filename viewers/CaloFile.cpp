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
  bool energy = false, target = false;
  bool challenge = false;  // CaloChallenge: showers (N, voxels) in MeV, cylindrical
  int nAlpha = 0, nR = 0, nLayers = 0;
  double dr = 0;
};

bool CaloFile::recognises(const std::string& path) {
  try {
    h5::silenceErrorStack();
    const h5::File f = h5::File::open(path);
    return f.hasDataset("ECAL") || (f.hasDataset("showers") && f.hasDataset("incident_energies"));
  } catch (const std::exception&) {
    return false;
  }
}

CaloFile::CaloFile(const std::string& path) : path_(path) {
  h5::silenceErrorStack();
  d_ = std::make_unique<Impl>();
  d_->file = h5::File::open(path);
  if (!d_->file.hasDataset("ECAL") && d_->file.hasDataset("showers")) {
    // CaloChallenge datasets 2 and 3: 45 layers of (angle, radius) voxels, energies in MeV;
    // the binning is that of the challenge's binning_dataset_2/3.xml (uniform radial bins).
    const h5::DatasetInfo sh = d_->file.dataset("showers");
    if (sh.shape.size() != 2)
      throw std::runtime_error("'" + path + "': dataset 'showers' has shape " + sh.shapeString() +
                               "; expected (events, voxels)");
    if (sh.shape[1] == 6480) {
      d_->nLayers = 45, d_->nAlpha = 16, d_->nR = 9, d_->dr = 4.65;
    } else if (sh.shape[1] == 40500) {
      d_->nLayers = 45, d_->nAlpha = 50, d_->nR = 18, d_->dr = 2.325;
    } else {
      throw std::runtime_error("'" + path + "': dataset 'showers' has " + std::to_string(sh.shape[1]) +
                               " voxels per event; known CaloChallenge geometries are 6480 (dataset 2) and 40500 "
                               "(dataset 3); dataset 1 needs its binning file, not supported yet");
    }
    d_->challenge = true;
    events_ = static_cast<int>(sh.shape[0]);
    if (!d_->file.hasDataset("incident_energies"))
      throw std::runtime_error("'" + path + "': no dataset 'incident_energies' beside 'showers'");
    return;
  }
  if (!d_->file.hasDataset("ECAL"))
    throw std::runtime_error("'" + path + "': no dataset 'ECAL' (3DGAN) or 'showers' (CaloChallenge): not a calorimeter "
                             "file TwinForge knows");
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
  // The older fixed-angle 3DGAN files (ECAL (N, 25, 25, 25)) keep the energy in column 1 of
  // a `target` dataset.
  if (!d_->energy && d_->file.hasDataset("target")) {
    const auto t = d_->file.dataset("target");
    if (t.shape.size() != 2 || t.shape[0] != ecal.shape[0] || t.shape[1] < 2)
      throw std::runtime_error("'" + path + "': dataset 'target' has shape " + t.shapeString() + "; expected (" +
                               std::to_string(events_) + ", 2 or more) with the energy in column 1");
    d_->target = true;
  }
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
  if (d_->challenge) {
    // (layer, angle, radius) in MeV -> the grid's (radius, angle, layer) in GeV.
    at::Tensor v = h5::readTensor(d_->file, "showers", i, i + 1).to(at::kFloat).reshape({d_->nLayers, d_->nAlpha, d_->nR});
    at::Tensor t = (v.permute({2, 1, 0}) / 1000.0f).contiguous();
    CellGrid g;
    g.nx = d_->nR;
    g.ny = d_->nAlpha;
    g.nz = d_->nLayers;
    g.cylindrical = true;
    for (int r = 0; r <= d_->nR; ++r) g.rEdges.push_back(r * d_->dr);
    g.e.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    const double e0 = h5::readTensor(d_->file, "incident_energies", i, i + 1).to(at::kDouble).item<double>() / 1000.0;
    double sum = 0;
    for (float x : g.e) sum += x;
    return {std::move(g), QStringLiteral("E = %1 GeV, deposited %2 GeV (CaloChallenge)").arg(e0, 0, 'g', 4).arg(sum, 0, 'g', 4)};
  }
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
  else if (d_->target)
    caption = QStringLiteral("E = %1 GeV")
                  .arg(h5::readTensor(d_->file, "target", i, i + 1).to(at::kDouble)[0][1].item<double>(), 0, 'g', 4);
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
