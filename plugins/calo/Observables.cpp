#include "Observables.h"

#include <ATen/ATen.h>

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

std::vector<Observable> computeObservables(const at::Tensor& cellsIn, const at::Tensor& energyIn, double hitThreshold,
                                           std::int64_t maxCells) {
  if (cellsIn.dim() != 4) throw std::invalid_argument("observables need showers on a grid (events, a, b, layers)");
  const at::Tensor c = cellsIn.to(at::kDouble);
  const at::Tensor energy = energyIn.to(at::kDouble).reshape({-1});
  const std::int64_t n = c.size(0), na = c.size(1), nb = c.size(2), nz = c.size(3);
  std::vector<Observable> out;
  const at::Tensor total = c.sum({1, 2, 3});
  out.push_back(scalar("energy_ratio", "deposited / incident energy", "energy_ratio", total / energy));
  out.push_back(scalar("total_energy", "deposited energy [GeV]", "total_energy", total));

  const at::Tensor layerE = c.sum({1, 2});  // (N, nz)
  for (std::int64_t k = 0; k < nz; ++k) {
    char name[32];
    std::snprintf(name, sizeof name, "layer_%02lld_energy", static_cast<long long>(k));
    out.push_back(scalar(name, "energy in layer " + std::to_string(k) + " [GeV]", "layer_energy", layerE.select(1, k)));
  }

  const at::Tensor safeTotal = total.clamp_min(1e-30);
  auto axis = [&](const at::Tensor& sums, std::int64_t len, const std::string& a) {
    const at::Tensor pos = at::arange(len, at::kDouble);
    const at::Tensor m1 = (sums * pos).sum(1) / safeTotal;
    const at::Tensor m2 = (sums * pos * pos).sum(1) / safeTotal;
    const at::Tensor empty = total.le(0);
    const at::Tensor centre = m1.masked_fill(empty, NAN);
    const at::Tensor width = (m2 - m1 * m1).clamp_min(0).sqrt().masked_fill(empty, NAN);
    out.push_back(scalar("centre_" + a, "centre of energy along " + a + " [cells]", "centre_" + a, centre));
    out.push_back(scalar("width_" + a, "width of the shower along " + a + " [cells]", "width_" + a, width));
  };
  const at::Tensor sumA = c.sum({2, 3}), sumB = c.sum({1, 3});
  axis(sumA, na, "x");
  axis(sumB, nb, "y");
  axis(layerE, nz, "z");

  // Cell spectrum: hit cells, log scale, strided so a large set stays cheap.
  at::Tensor hits = c.reshape({-1});
  hits = hits.masked_select(hits.gt(hitThreshold));
  if (hits.numel() > maxCells) hits = hits.slice(0, 0, hits.numel(), (hits.numel() + maxCells - 1) / maxCells);
  Observable spectrum = scalar("cell_energy", "cell energy [GeV]", "cell_energy", hits);
  spectrum.logScale = true;
  out.push_back(std::move(spectrum));

  const at::Tensor hit = c.gt(hitThreshold).to(at::kDouble);
  out.push_back(scalar("sparsity", "fraction of hit cells", "sparsity", hit.mean({1, 2, 3})));
  out.push_back(profile("sparsity_profile", "fraction of hit cells per layer", hit.mean({0, 1, 2}),
                        at::arange(nz, at::kDouble)));
  out.push_back(profile("longitudinal_profile", "mean energy per layer [GeV]", layerE.mean(0), at::arange(nz, at::kDouble)));

  // Lateral: energy against the distance from each event's transverse centre of energy.
  const at::Tensor ca = ((sumA * at::arange(na, at::kDouble)).sum(1) / safeTotal).view({n, 1, 1});
  const at::Tensor cb = ((sumB * at::arange(nb, at::kDouble)).sum(1) / safeTotal).view({n, 1, 1});
  const at::Tensor ga = at::arange(na, at::kDouble).view({1, na, 1}), gb = at::arange(nb, at::kDouble).view({1, 1, nb});
  const std::int64_t rBins = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::hypot(na, nb) / 2) + 1);
  const at::Tensor r = ((ga - ca).pow(2) + (gb - cb).pow(2)).sqrt().floor().clamp_max(rBins - 1).to(at::kLong);
  at::Tensor lateral = at::zeros({rBins}, at::kDouble);
  lateral.index_add_(0, r.reshape({-1}), c.sum(3).reshape({-1}));
  if (n > 0) lateral.div_(static_cast<double>(n));
  out.push_back(profile("lateral_profile", "mean energy against radius [cells]", lateral,
                        at::arange(rBins, at::kDouble) + 0.5));
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
