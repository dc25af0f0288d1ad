#include "Observables.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>

namespace tf::calo {

namespace {

std::vector<double> toVector(const at::Tensor& t) {
  const at::Tensor d = t.to(at::kDouble).contiguous().reshape({-1});
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

Observable scalar(std::string name, std::string label, std::string group, const at::Tensor& v) {
  Observable o;
  o.name = std::move(name);
  o.label = std::move(label);
  o.group = std::move(group);
  o.values = toVector(v);
  return o;
}

Observable profile(std::string name, std::string label, const at::Tensor& weights, const at::Tensor& positions) {
  Observable o;
  o.name = o.group = std::move(name);
  o.label = std::move(label);
  o.profile = true;
  o.values = toVector(weights);
  o.positions = toVector(positions);
  return o;
}

}  // namespace

VoxelGeometry VoxelGeometry::grid(std::int64_t a, std::int64_t b, std::int64_t layers) {
  VoxelGeometry g;
  const auto L = at::TensorOptions().dtype(at::kLong);
  const at::Tensor idx = at::arange(a * b * layers, L);
  const at::Tensor i = idx.div(b * layers, "floor"), j = idx.div(layers, "floor").remainder(b);
  g.x = i.to(at::kDouble);
  g.y = j.to(at::kDouble);
  g.layer = idx.remainder(layers);
  g.column = i * b + j;
  const at::Tensor c = at::arange(a * b, L);
  g.columnX = c.div(b, "floor").to(at::kDouble);
  g.columnY = c.remainder(b).to(at::kDouble);
  g.layers = layers;
  g.gridColumns = a * b;
  for (std::int64_t k = 0; k < layers; ++k) g.layerIds.push_back(static_cast<int>(k));
  const auto bins = static_cast<std::int64_t>(std::hypot(a, b) / 2) + 1;
  for (std::int64_t k = 0; k <= bins; ++k) g.lateralEdges.push_back(static_cast<double>(k));
  return g;
}

VoxelGeometry VoxelGeometry::cylindrical(const Binning& binning) {
  std::vector<double> x, y, r;
  std::vector<std::int64_t> layer, column;
  std::vector<double> edges;
  std::int64_t col = 0;
  std::vector<int> ids;
  for (const BinningLayer& bl : binning.layers) {
    if (bl.voxels() == 0) continue;  // the binning lists layers without voxels too
    const auto l = ids.size();
    ids.push_back(bl.id);
    for (int a = 0; a < bl.alphaBins; ++a)
      for (int k = 0; k < bl.radialBins(); ++k) {
        const double rm = 0.5 * (bl.rEdges[static_cast<std::size_t>(k)] + bl.rEdges[static_cast<std::size_t>(k) + 1]);
        // A full ring (one angular bin) has its centre of energy on the axis.
        const double phi = 2 * M_PI * (a + 0.5) / bl.alphaBins;
        x.push_back(bl.alphaBins > 1 ? rm * std::cos(phi) : 0.0);
        y.push_back(bl.alphaBins > 1 ? rm * std::sin(phi) : 0.0);
        r.push_back(rm);
        layer.push_back(static_cast<std::int64_t>(l));
        column.push_back(col++);
      }
    edges.insert(edges.end(), bl.rEdges.begin(), bl.rEdges.end());
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  VoxelGeometry g;
  g.x = at::tensor(x, at::kDouble);
  g.y = at::tensor(y, at::kDouble);
  g.radius = at::tensor(r, at::kDouble);
  g.layer = at::tensor(layer, at::kLong);
  g.column = at::tensor(column, at::kLong);
  g.columnX = g.x;
  g.columnY = g.y;
  g.layers = static_cast<std::int64_t>(ids.size());
  g.layerIds = ids;
  g.lateralEdges = edges.size() >= 2 ? edges : std::vector<double>{0, 1};
  g.unit = "mm";
  return g;
}

std::vector<Observable> computeObservables(const at::Tensor& cellsIn, const at::Tensor& energy, double hitThreshold,
                                           std::int64_t maxCells) {
  if (cellsIn.dim() != 4) throw std::invalid_argument("observables need showers on a grid (events, a, b, layers)");
  return computeObservables(cellsIn.reshape({cellsIn.size(0), -1}), energy,
                            VoxelGeometry::grid(cellsIn.size(1), cellsIn.size(2), cellsIn.size(3)), hitThreshold,
                            maxCells);
}

std::vector<Observable> computeObservables(const at::Tensor& cellsIn, const at::Tensor& energyIn,
                                           const VoxelGeometry& g, double hitThreshold, std::int64_t maxCells) {
  if (cellsIn.dim() != 2 || cellsIn.size(1) != g.x.size(0))
    throw std::invalid_argument("observables: showers have " + std::to_string(cellsIn.dim() == 2 ? cellsIn.size(1) : -1) +
                                " voxels, the geometry " + std::to_string(g.x.size(0)));
  const at::Tensor c = cellsIn.to(at::kDouble);
  const at::Tensor energy = energyIn.to(at::kDouble).reshape({-1});
  const std::int64_t n = c.size(0), nz = g.layers;
  std::vector<Observable> out;
  const at::Tensor total = c.sum(1);
  out.push_back(scalar("energy_ratio", "deposited / incident energy", "energy_ratio", total / energy));
  out.push_back(scalar("total_energy", "deposited energy [GeV]", "total_energy", total));

  const at::Tensor layerE = g.gridColumns > 0 ? c.view({n, g.gridColumns, nz}).sum(1)
                                              : at::zeros({n, nz}, at::kDouble).index_add_(1, g.layer, c);
  for (std::int64_t k = 0; k < nz; ++k) {
    char name[32];
    const int id = k < static_cast<std::int64_t>(g.layerIds.size()) ? g.layerIds[static_cast<std::size_t>(k)] : static_cast<int>(k);
    std::snprintf(name, sizeof name, "layer_%02d_energy", id);
    out.push_back(scalar(name, "energy in layer " + std::to_string(id) + " [GeV]", "layer_energy", layerE.select(1, k)));
  }

  const at::Tensor safeTotal = total.clamp_min(1e-30);
  const at::Tensor empty = total.le(0);
  auto moments = [&](const at::Tensor& sums, const at::Tensor& pos, const std::string& a, const std::string& unit) {
    const at::Tensor m1 = (sums * pos).sum(1) / safeTotal;
    const at::Tensor m2 = (sums * pos * pos).sum(1) / safeTotal;
    out.push_back(scalar("centre_" + a, "centre of energy along " + a + " [" + unit + "]", "centre_" + a,
                         m1.masked_fill(empty, NAN)));
    out.push_back(scalar("width_" + a, "width of the shower along " + a + " [" + unit + "]", "width_" + a,
                         (m2 - m1 * m1).clamp_min(0).sqrt().masked_fill(empty, NAN)));
    return m1;
  };
  const at::Tensor cx = moments(c, g.x, "x", g.unit), cy = moments(c, g.y, "y", g.unit);
  moments(layerE, at::arange(nz, at::kDouble), "z", "layers");

  at::Tensor hits = c.reshape({-1});
  hits = hits.masked_select(hits.gt(hitThreshold));
  if (hits.numel() > maxCells) hits = hits.slice(0, 0, hits.numel(), (hits.numel() + maxCells - 1) / maxCells);
  Observable spectrum = scalar("cell_energy", "cell energy [GeV]", "cell_energy", hits);
  spectrum.logScale = true;
  out.push_back(std::move(spectrum));

  const at::Tensor hit = c.gt(hitThreshold).to(at::kDouble);
  out.push_back(scalar("sparsity", "fraction of hit cells", "sparsity", hit.mean(1)));
  const at::Tensor perLayer = at::zeros({nz}, at::kDouble).index_add_(0, g.layer, at::ones({g.layer.size(0)}, at::kDouble));
  const at::Tensor hitLayer = at::zeros({nz}, at::kDouble).index_add_(0, g.layer, hit.mean(0));
  out.push_back(profile("sparsity_profile", "fraction of hit cells per layer", hitLayer / perLayer.clamp_min(1),
                        at::arange(nz, at::kDouble)));
  out.push_back(profile("longitudinal_profile", "mean energy per layer [GeV]", layerE.mean(0), at::arange(nz, at::kDouble)));

  // Lateral: energy against the radius from the axis (cylindrical binnings) or from each
  // event's transverse centre of energy (grids).
  const at::Tensor edges = at::tensor(g.lateralEdges, at::kDouble);
  const std::int64_t bins = edges.size(0) - 1;
  const at::Tensor inner = edges.slice(0, 1, bins);
  at::Tensor lateral = at::zeros({bins}, at::kDouble);
  if (g.radius.defined()) {
    lateral.index_add_(0, at::bucketize(g.radius, inner, false, true), c.sum(0));
  } else {
    const std::int64_t cols = g.columnX.size(0);
    const at::Tensor colE = g.gridColumns > 0 ? c.view({n, g.gridColumns, nz}).sum(2)
                                              : at::zeros({n, cols}, at::kDouble).index_add_(1, g.column, c);
    const at::Tensor r = ((g.columnX.view({1, cols}) - cx.view({n, 1})).pow(2) +
                          (g.columnY.view({1, cols}) - cy.view({n, 1})).pow(2)).sqrt().nan_to_num(0);
    lateral.index_add_(0, at::bucketize(r, inner, false, true).reshape({-1}), colE.reshape({-1}));
  }
  if (n > 0) lateral.div_(static_cast<double>(n));
  out.push_back(profile("lateral_profile", "mean energy against radius [" + g.unit + "]", lateral,
                        (edges.slice(0, 0, bins) + edges.slice(0, 1, bins + 1)) / 2));
  return out;
}

Comparison compare(const std::vector<Observable>& ref, const std::vector<Observable>& gen, int bins) {
  if (ref.size() != gen.size()) throw std::invalid_argument("compare: the two sets have different observables");
  Comparison cmp;
  std::map<std::string, std::pair<double, int>> groups;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const Observable& a = ref[i];
    const Observable& b = gen[i];
    if (a.name != b.name) throw std::invalid_argument("compare: observables differ: " + a.name + " / " + b.name);
    Compared c;
    c.ref = a;
    c.gen = b;
    c.ref.values.clear();
    c.gen.values.clear();
    if (a.profile) {
      if (a.values.size() != b.values.size())
        throw std::invalid_argument(a.name + ": the two sets have different grids (" + std::to_string(a.values.size()) +
                                    " and " + std::to_string(b.values.size()) + " positions)");
      c.ref.values = normalised(a.values);
      c.gen.values = normalised(b.values);
      c.d.wasserstein1 = wasserstein1(a.positions, a.values, b.values);
    } else {
      c.edges = binEdges(a.values, bins, a.logScale);
      c.ref.values = histogram(a.values, c.edges, a.logScale);
      c.gen.values = histogram(b.values, c.edges, a.logScale);
      c.d.wasserstein1 = wasserstein1(a.values, b.values);
    }
    c.d.separation = separationPower(c.ref.values, c.gen.values);
    c.d.jensenShannon = jensenShannon(c.ref.values, c.gen.values);
    auto& g = groups[a.group];
    g.first += c.d.separation;
    g.second += 1;
    cmp.observables.push_back(std::move(c));
  }
  double s = 0;
  for (const auto& [k, g] : groups) s += g.first / g.second;
  cmp.score = groups.empty() ? 0 : s / static_cast<double>(groups.size());
  return cmp;
}

nlohmann::json Comparison::toJson(bool withHistograms) const {
  nlohmann::json j;
  j["score"] = score;
  j["events_reference"] = refEvents;
  j["events_generated"] = genEvents;
  nlohmann::json obs = nlohmann::json::object();
  for (const auto& c : observables) {
    nlohmann::json o = {{"separation_power", c.d.separation},
                        {"jensen_shannon", c.d.jensenShannon},
                        {"wasserstein_1", std::isfinite(c.d.wasserstein1) ? nlohmann::json(c.d.wasserstein1) : nullptr},
                        {"group", c.ref.group}};
    if (withHistograms) {
      o["reference"] = c.ref.values;
      o["generated"] = c.gen.values;
      if (c.ref.profile)
        o["positions"] = c.ref.positions;
      else
        o["edges"] = c.edges;
    }
    obs[c.ref.name] = o;
  }
  j["observables"] = obs;
  return j;
}

}  // namespace tf::calo
