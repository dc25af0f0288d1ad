#include "Metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace tf::calo {

namespace {

double quantile(std::vector<double> v, double q) {
  const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

std::vector<double> binEdges(const std::vector<double>& reference, int bins, bool logScale) {
  if (bins < 1) throw std::invalid_argument("binEdges: at least one bin");
  std::vector<double> v;
  v.reserve(reference.size());
  for (double x : reference) {
    if (!std::isfinite(x)) continue;
    if (logScale) {
      if (x > 0) v.push_back(std::log10(x));
    } else {
      v.push_back(x);
    }
  }
  double lo = 0, hi = 1;
  if (!v.empty()) {
    lo = quantile(v, 0.001);
    hi = quantile(v, 0.999);
  }
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  } else {
    const double pad = 0.05 * (hi - lo);
    lo -= pad;
    hi += pad;
  }
  std::vector<double> edges(static_cast<std::size_t>(bins) + 1);
  for (int i = 0; i <= bins; ++i) edges[static_cast<std::size_t>(i)] = lo + (hi - lo) * i / bins;
  if (logScale)
    for (double& e : edges) e = std::pow(10.0, e);
  return edges;
}

std::vector<double> normalised(std::vector<double> w) {
  const double s = std::accumulate(w.begin(), w.end(), 0.0);
  if (s > 0)
    for (double& x : w) x /= s;
  return w;
}

std::vector<double> histogram(const std::vector<double>& values, const std::vector<double>& edges, bool logScale) {
  const std::size_t n = edges.size() - 1;
  std::vector<double> h(n, 0.0);
  const double lo = logScale ? std::log10(edges.front()) : edges.front();
  const double hi = logScale ? std::log10(edges.back()) : edges.back();
  for (double x : values) {
    if (!std::isfinite(x)) continue;
    if (logScale) {
      if (x <= 0) continue;
      x = std::log10(x);
    }
    auto i = static_cast<std::ptrdiff_t>(std::floor((x - lo) / (hi - lo) * static_cast<double>(n)));
    i = std::clamp<std::ptrdiff_t>(i, 0, static_cast<std::ptrdiff_t>(n) - 1);
    h[static_cast<std::size_t>(i)] += 1;
  }
  return normalised(h);
}

double separationPower(const std::vector<double>& p, const std::vector<double>& q) {
  if (p.size() != q.size()) throw std::invalid_argument("separationPower: histograms of different lengths");
  double s = 0;
  for (std::size_t i = 0; i < p.size(); ++i)
    if (p[i] + q[i] > 0) s += (p[i] - q[i]) * (p[i] - q[i]) / (p[i] + q[i]);
  return 0.5 * s;
}

double jensenShannon(const std::vector<double>& p, const std::vector<double>& q) {
  if (p.size() != q.size()) throw std::invalid_argument("jensenShannon: histograms of different lengths");
  double s = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double m = 0.5 * (p[i] + q[i]);
    if (p[i] > 0) s += 0.5 * p[i] * std::log2(p[i] / m);
    if (q[i] > 0) s += 0.5 * q[i] * std::log2(q[i] / m);
  }
  return std::max(0.0, s);
}

double wasserstein1(std::vector<double> a, std::vector<double> b) {
  auto finite = [](std::vector<double>& v) {
    v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
    std::sort(v.begin(), v.end());
  };
  finite(a);
  finite(b);
  if (a.empty() || b.empty()) return std::nan("");
  // ∫ |F_a(x) − F_b(x)| dx over the merged sample points.
  std::vector<double> all(a);
  all.insert(all.end(), b.begin(), b.end());
  std::sort(all.begin(), all.end());
  double w = 0;
  std::size_t ia = 0, ib = 0;
  for (std::size_t k = 0; k + 1 < all.size(); ++k) {
    while (ia < a.size() && a[ia] <= all[k]) ++ia;
    while (ib < b.size() && b[ib] <= all[k]) ++ib;
    const double fa = static_cast<double>(ia) / static_cast<double>(a.size());
    const double fb = static_cast<double>(ib) / static_cast<double>(b.size());
    w += std::abs(fa - fb) * (all[k + 1] - all[k]);
  }
  return w;
}

double wasserstein1(const std::vector<double>& x, const std::vector<double>& p, const std::vector<double>& q) {
  if (x.size() != p.size() || p.size() != q.size()) throw std::invalid_argument("wasserstein1: lengths differ");
  const std::vector<double> pn = normalised(p), qn = normalised(q);
  double fp = 0, fq = 0, w = 0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    fp += pn[i];
    fq += qn[i];
    w += std::abs(fp - fq) * (x[i + 1] - x[i]);
  }
  return w;
}

double rocAuc(const std::vector<double>& positive, const std::vector<double>& negative) {
  if (positive.empty() || negative.empty()) return std::nan("");
  std::vector<std::pair<double, int>> all;
  for (double x : positive) all.push_back({x, 1});
  for (double x : negative) all.push_back({x, 0});
  std::sort(all.begin(), all.end());
  double rankSum = 0;  // of the positives, ranks from 1, ties sharing their mean rank
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double meanRank = 0.5 * static_cast<double>(i + 1 + j);
    for (std::size_t k = i; k < j; ++k)
      if (all[k].second) rankSum += meanRank;
    i = j;
  }
  const auto np = static_cast<double>(positive.size()), nn = static_cast<double>(negative.size());
  return (rankSum - np * (np + 1) / 2) / (np * nn);
}

}  // namespace tf::calo
