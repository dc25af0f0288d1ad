// The CaloChallenge histogram test; definitions in CaloChallengeEval.h.
#include "CaloChallengeEval.h"

#include "Metrics.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace tf::calo::cc {

namespace {

constexpr double kPi = 3.141592653589793;

// A voxel as the challenge's evaluation sees it: MeV in float32, 0 below the threshold.
inline double thresholded(float mev, float threshold) { return mev < threshold ? 0.0 : static_cast<double>(mev); }

// numpy's float32 sum of a contiguous row (pairwise: 8 accumulators over blocks of up to 128,
// halves split at multiples of 8), reproduced to the bit: a layer's largest energy sits on the
// last edge of its histogram, so its last bit decides whether that shower is counted.
float pairwiseSum(const float* a, std::int64_t n) {
  if (n < 8) {
    float r = 0;
    for (std::int64_t i = 0; i < n; ++i) r += a[i];
    return r;
  }
  if (n <= 128) {
    float r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::int64_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    float res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::int64_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwiseSum(a, n2) + pairwiseSum(a + n2, n - n2);
}

// Where each voxel of one layer sits in the (eta, phi) plane: radial bin fastest, then angle.
struct LayerPlace {
  int index = 0;       // position among the binning's layers: the number in the feature names
  std::int64_t offset = 0, voxels = 0;
  bool angular = false;  // more than one angular bin: centre and width are defined
  std::vector<double> eta, phi;
};

std::vector<double> midpoints(const std::vector<double>& e) {
  std::vector<double> m;
  for (std::size_t i = 0; i + 1 < e.size(); ++i) m.push_back(e[i] + (e[i + 1] - e[i]) / 2);
  return m;
}

std::vector<LayerPlace> placesOf(const data::Binning& b) {
  std::vector<LayerPlace> out;
  std::int64_t offset = 0;
  for (std::size_t l = 0; l < b.layers.size(); ++l) {
    const auto& layer = b.layers[l];
    LayerPlace p;
    p.index = static_cast<int>(l);
    p.offset = offset;
    p.voxels = layer.voxels();
    offset += p.voxels;
    if (p.voxels == 0) continue;
    p.angular = layer.alphaBins > 1;
    const std::vector<double> r = midpoints(layer.rEdges), alpha = midpoints(linspace(-kPi, kPi, layer.alphaBins + 1));
    for (double a : alpha)
      for (double rm : r) {
        p.eta.push_back(rm * std::cos(a));
        p.phi.push_back(rm * std::sin(a));
      }
    out.push_back(std::move(p));
  }
  return out;
}

at::Tensor flatCells(const at::Tensor& cells) {
  return cells.reshape({cells.size(0), -1}).to(at::kFloat).contiguous();
}

double maxOf(const std::vector<double>& v) {
  double m = -std::numeric_limits<double>::infinity();
  for (double x : v) m = std::max(m, x);
  return m;
}

// E_tot / E_inc as the evaluation divides them: float32 by float32.
std::vector<double> ratio(const Features& f) {
  std::vector<double> r(f.etot.size());
  for (std::size_t i = 0; i < r.size(); ++i) r[i] = static_cast<float>(f.etot[i]) / static_cast<float>(f.einc[i]);
  return r;
}

// Logarithmic edges from the threshold to a reference's largest value, whose logarithm numpy
// takes in float32 (the value is a float32): the largest value itself may then fall just
// outside the last edge and not be counted, in the challenge's evaluation as here.
std::vector<double> logEdges(const Dataset& ds, double largest, int num) {
  return logspace(std::log10(ds.minEnergy), std::log10(static_cast<float>(largest)), num);
}

// Dataset 1's per-energy test: showers with E_inc in [E, 2E), E = 2^8 .. 2^22 MeV.
void perEnergy(const Features& ref, const Features& gen, const Dataset& ds,
               std::vector<std::pair<std::string, double>>& out) {
  const std::vector<double> rr = ratio(ref), gr = ratio(gen);
  std::vector<double> edges = linspace(0.4, 1.4, 21);
  for (int i = 0; i < 15; ++i) {
    if (i > 3 && ds.photons()) edges = linspace(0.9, 1.1, 21);
    const double lo = std::pow(2.0, 8 + i), hi = std::pow(2.0, 9 + i);
    Histogram hr(edges), hg(edges);
    for (std::size_t k = 0; k < rr.size(); ++k)
      if (ref.einc[k] >= lo && ref.einc[k] < hi) hr.add(rr[k]);
    for (std::size_t k = 0; k < gr.size(); ++k)
      if (gen.einc[k] >= lo && gen.einc[k] < hi) hg.add(gr[k]);
    char name[64];
    std::snprintf(name, sizeof name, "Etot / Einc at E = %.1f", lo);
    out.emplace_back(name, separationPower(hr, hg));
  }
}

}  // namespace

Dataset datasetFor(int voxels) {
  const double ds23 = 0.5e-3 / 0.033;
  switch (voxels) {
    case 368: return {"1-photons", 1.0};
    case 533: return {"1-pions", 1.0};
    case 6480: return {"2", ds23};
    case 40500: return {"3", ds23};
    default:
      throw std::runtime_error(std::to_string(voxels) +
                               " voxels per shower is none of the CaloChallenge datasets (1: 368 photons or 533 "
                               "pions; 2: 6480; 3: 40500)");
  }
}

std::vector<double> linspace(double start, double stop, int num) {
  std::vector<double> y(static_cast<std::size_t>(std::max(num, 0)));
  if (num == 1) y[0] = start;
  if (num < 2) return y;
  const double step = (stop - start) / (num - 1);
  for (int i = 0; i < num; ++i) y[i] = i * step + start;
  y.back() = stop;
  return y;
}

std::vector<double> logspace(double start, double stop, int num) {
  std::vector<double> y = linspace(start, stop, num);
  for (double& v : y) v = std::pow(10.0, v);
  return y;
}

Histogram::Histogram(std::vector<double> edges) : edges_(std::move(edges)) {
  if (edges_.size() < 2) throw std::invalid_argument("a histogram needs at least two edges");
  counts_.assign(edges_.size() - 1, 0.0);
}

void Histogram::add(double v) {
  if (!(v >= edges_.front() && v <= edges_.back())) return;  // also NaN, and NaN edges
  auto idx = static_cast<std::size_t>(std::upper_bound(edges_.begin(), edges_.end(), v) - edges_.begin());
  idx = std::min(idx == 0 ? 0 : idx - 1, counts_.size() - 1);
  counts_[idx] += 1;
  total_ += 1;
}

double separationPower(const Histogram& reference, const Histogram& generated) {
  if (reference.total() == 0 || generated.total() == 0) return std::numeric_limits<double>::quiet_NaN();
  std::vector<double> p = reference.counts(), q = generated.counts();
  for (double& x : p) x /= reference.total();
  for (double& x : q) x /= generated.total();
  return calo::separationPower(p, q);  // the plugin's one definition (evaluate.py's 1e-16 only guards 0/0)
}

double separationPower(const std::vector<double>& reference, const std::vector<double>& generated,
                       const std::vector<double>& edges) {
  Histogram r(edges), g(edges);
  for (double v : reference) r.add(v);
  for (double v : generated) g.add(v);
  return separationPower(r, g);
}

Features features(const at::Tensor& cells, const at::Tensor& energy, const data::Binning& binning,
                  const Dataset& ds) {
  const at::Tensor c = flatCells(cells);
  const at::Tensor e = energy.to(at::kFloat).contiguous();
  const std::int64_t n = c.size(0), v = c.size(1);
  if (v != binning.voxels())
    throw std::runtime_error("showers have " + std::to_string(v) + " voxels, the binning '" + binning.source +
                             "' has " + std::to_string(binning.voxels()));
  const std::vector<LayerPlace> places = placesOf(binning);
  const auto threshold = static_cast<float>(ds.minEnergy);
  const float* data = c.data_ptr<float>();
  const float* inc = e.data_ptr<float>();
  Features f;
  f.etot.reserve(n);
  std::vector<float> row(static_cast<std::size_t>(v));
  for (std::int64_t i = 0; i < n; ++i) {
    const float* raw = data + i * v;
    for (std::int64_t k = 0; k < v; ++k) row[k] = static_cast<float>(thresholded(raw[k], threshold));
    const float* shower = row.data();
    for (const LayerPlace& p : places) {
      const double sum = pairwiseSum(shower + p.offset, p.voxels);  // float32, as numpy sums
      double sx = 0, sy = 0, sxx = 0, syy = 0;
      std::int64_t hit = 0;
      for (std::int64_t k = 0; k < p.voxels; ++k) {
        const double m = shower[p.offset + k];
        hit += m > 0;
        f.voxelMax = std::max(f.voxelMax, m);
        if (!p.angular) continue;
        sx += p.eta[k] * m;
        sy += p.phi[k] * m;
        sxx += p.eta[k] * p.eta[k] * m;
        syy += p.phi[k] * p.phi[k] * m;
      }
      f.layerEnergy[p.index].push_back(sum);
      f.sparsity[p.index].push_back(1.0 - static_cast<double>(hit) / static_cast<double>(p.voxels));
      if (!p.angular) continue;
      const double norm = sum + 1e-16, cx = sx / norm, cy = sy / norm;
      f.ecEta[p.index].push_back(cx);
      f.ecPhi[p.index].push_back(cy);
      f.widthEta[p.index].push_back(std::sqrt(std::max(sxx / norm - cx * cx, 0.0)));
      f.widthPhi[p.index].push_back(std::sqrt(std::max(syy / norm - cy * cy, 0.0)));
    }
    f.etot.push_back(pairwiseSum(shower, v));
    f.einc.push_back(inc[i]);
  }
  return f;
}

Histogram voxelHistogram(const at::Tensor& cells, const Dataset& ds, const std::vector<double>& edges) {
  const at::Tensor c = flatCells(cells);
  const auto threshold = static_cast<float>(ds.minEnergy);
  Histogram h(edges);
  const float* data = c.data_ptr<float>();
  for (std::int64_t i = 0, n = c.numel(); i < n; ++i) h.add(thresholded(data[i], threshold));
  return h;
}

std::vector<std::pair<std::string, double>> separationPowers(const at::Tensor& refCells, const at::Tensor& refEnergy,
                                                             const at::Tensor& genCells, const at::Tensor& genEnergy,
                                                             const data::Binning& binning, const Dataset& ds) {
  const Features ref = features(refCells, refEnergy, binning, ds);
  const Features gen = features(genCells, genEnergy, binning, ds);
  std::vector<std::pair<std::string, double>> out;
  auto layerName = [](const char* what, int l) { return std::string(what) + " layer " + std::to_string(l); };
  out.emplace_back("Etot / Einc", separationPower(ratio(ref), ratio(gen), linspace(0.5, 1.5, 101)));
  for (const auto& [l, values] : ref.layerEnergy)
    out.emplace_back(layerName("E", l), separationPower(values, gen.layerEnergy.at(l), logEdges(ds, maxOf(values), 40)));
  // Centres and widths: mm, wider ranges for dataset 1's hadronic layers 12 and 13.
  auto range = [&](int l, double wide, double narrow) { return ds.one() ? (l == 12 || l == 13 ? wide : narrow) : 30.0; };
  const std::pair<const char*, const std::map<int, std::vector<double>> Features::*> centres[] = {
      {"EC Eta", &Features::ecEta}, {"EC Phi", &Features::ecPhi}};
  for (const auto& [what, member] : centres)
    for (const auto& [l, values] : ref.*member) {
      const double lim = range(l, 500, 100);
      out.emplace_back(layerName(what, l), separationPower(values, (gen.*member).at(l), linspace(-lim, lim, 101)));
    }
  const std::pair<const char*, const std::map<int, std::vector<double>> Features::*> widths[] = {
      {"Width Eta", &Features::widthEta}, {"Width Phi", &Features::widthPhi}};
  for (const auto& [what, member] : widths)
    for (const auto& [l, values] : ref.*member)
      out.emplace_back(layerName(what, l),
                       separationPower(values, (gen.*member).at(l), linspace(0, range(l, 400, 100), 101)));
  if (ds.one()) perEnergy(ref, gen, ds, out);
  const std::vector<double> voxelEdges = logEdges(ds, ref.voxelMax, 50);
  out.emplace_back("voxel distribution", separationPower(voxelHistogram(refCells, ds, voxelEdges),
                                                         voxelHistogram(genCells, ds, voxelEdges)));
  for (const auto& [l, values] : ref.sparsity)
    out.emplace_back(layerName("Sparsity", l), separationPower(values, gen.sparsity.at(l), linspace(0, 1, 21)));
  return out;
}

}  // namespace tf::calo::cc
