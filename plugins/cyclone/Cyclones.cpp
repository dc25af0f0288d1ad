#include "Cyclones.h"

#include <algorithm>
#include <filesystem>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <random>
#include <stdexcept>

namespace tf::cyclone {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180;
constexpr double kKmPerDeg = kEarthRadiusKm * kDeg;

double wrapLonDiff(double d) {
  d = std::fmod(d + 540.0, 360.0) - 180.0;
  return d;
}
}  // namespace

double greatCircleKm(double lat1, double lon1, double lat2, double lon2) {
  const double p1 = lat1 * kDeg, p2 = lat2 * kDeg;
  const double dp = p2 - p1, dl = wrapLonDiff(lon2 - lon1) * kDeg;
  const double a = std::sin(dp / 2) * std::sin(dp / 2) + std::cos(p1) * std::cos(p2) * std::sin(dl / 2) * std::sin(dl / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

std::filesystem::path tracksFileFor(const std::filesystem::path& fieldsFile) {
  std::filesystem::path t = fieldsFile;
  t.replace_extension(".tracks.csv");
  return t;
}

GridView gridOf(const climate::ClimateFile& f) {
  const auto& lon = f.lon();
  const double step = lon.size() > 1 ? lon[1] - lon[0] : 360;
  return {f.lat(), lon, lon.size() > 1 && lon.back() - lon.front() + 1.5 * step >= 360};
}

double hoursBetweenSteps(const climate::ClimateFile& f) {
  const auto& iso = f.time().iso;
  if (iso.size() < 2) return 6;
  return climate::hoursFromIso(f.time().calendar, iso[1]) - climate::hoursFromIso(f.time().calendar, iso[0]);
}

std::vector<std::string> stepTimes(const climate::ClimateFile& f) {
  return f.time().iso.empty() ? std::vector<std::string>{"0000-00-00 00:00"} : f.time().iso;
}

// ---- synthetic climate ------------------------------------------------------------------

namespace {

// Smooth noise: a sum of slowly drifting plane waves (wavelengths of a synoptic scale).
struct WaveNoise {
  struct Mode {
    double kLat, kLon, omega, phase, amp;
  };
  std::vector<Mode> modes;
  WaveNoise(std::mt19937_64& rng, int n, double amplitude, double minWaveDeg, double maxWaveDeg) {
    std::uniform_real_distribution<double> u(0, 1);
    for (int k = 0; k < n; ++k) {
      const double wl = minWaveDeg + (maxWaveDeg - minWaveDeg) * u(rng);
      const double dir = 2 * kPi * u(rng);
      const double kk = 2 * kPi / wl;
      modes.push_back({kk * std::sin(dir), kk * std::cos(dir), (u(rng) - 0.5) * 0.3, 2 * kPi * u(rng),
                       amplitude * std::sqrt(2.0 / n)});
    }
  }
  double operator()(double lat, double lon, double hours) const {
    double s = 0;
    for (const auto& m : modes) s += m.amp * std::cos(m.kLat * lat + m.kLon * lon + m.omega * hours / 6 + m.phase);
    return s;
  }
};

struct Storm {
  bool tropical = true;
  double t0 = 0, life = 0;  // hours
  double lat0 = 0, lon0 = 0, u = 0, v = 0;  // m/s
  double dpMax = 0, rmaxKm = 0, b = 1.5, coreK = 0, coreKm = 0;
  std::string id;
};

// Where a storm is and how deep, `h` hours after its genesis (fraction of life f).
struct StormState {
  double lat, lon, dp, rmaxKm;
};

StormState stateAt(const Storm& s, double h) {
  // Integrate the motion in 1 h steps (recurving: poleward and then eastward late in life).
  double lat = s.lat0, lon = s.lon0;
  for (double t = 0; t < h; t += 1) {
    const double f = t / s.life;
    double u = s.u, v = s.v;
    if (s.tropical && f > 0.5) {
      u += 9 * (f - 0.5);
      v += 4 * (f - 0.5);
    }
    lat += v * 3.6 / kKmPerDeg;
    lon += u * 3.6 / (kKmPerDeg * std::cos(lat * kDeg));
  }
  const double f = h / s.life;
  double shape;
  if (!s.tropical) shape = std::sin(kPi * std::clamp(f, 0.0, 1.0)) * 0.7 + 0.3;
  else if (f < 0.4) shape = 0.25 + 0.75 * f / 0.4;
  else if (f < 0.7) shape = 1.0;
  else shape = 1.0 - 0.7 * (f - 0.7) / 0.3;
  return {lat, std::fmod(lon + 360.0, 360.0), s.dpMax * shape, s.rmaxKm * (s.tropical ? 1.0 + 0.3 * f : 1.0)};
}

}  // namespace

SyntheticClimate makeSyntheticClimate(const SyntheticConfig& cfg, const std::function<void(double)>& progress) {
  if (!(cfg.latMax > cfg.latMin) || !(cfg.lonMax > cfg.lonMin) || !(cfg.resolution > 0))
    throw std::invalid_argument("the synthetic grid needs lat_max > lat_min, lon_max > lon_min and resolution > 0");
  if (cfg.latMin < -90 || cfg.latMax > 90) throw std::invalid_argument("latitudes must lie within -90..90");
  SyntheticClimate out;
  for (double la = cfg.latMin; la <= cfg.latMax + 1e-9; la += cfg.resolution) out.lat.push_back(la);
  // Continuous from the western edge (a domain across 0 degrees goes on past 360), as the
  // reader returns longitudes.
  const double lonSpan = std::min(cfg.lonMax - cfg.lonMin, 360.0 - cfg.resolution);
  const double west = std::fmod(cfg.lonMin + 720.0, 360.0);
  for (double lo = west; lo <= west + lonSpan + 1e-9; lo += cfg.resolution) out.lon.push_back(lo);
  const std::size_t nlat = out.lat.size(), nlon = out.lon.size(), per = nlat * nlon;
  const std::int64_t steps = cfg.days * cfg.stepsPerDay;
  if (steps < 1) throw std::invalid_argument("days * steps_per_day must be at least 1");
  const double dtHours = 24.0 / static_cast<double>(cfg.stepsPerDay);
  const double startHours = climate::hoursFromIso("standard", cfg.start);
  const double epoch1900 = climate::hoursFromIso("standard", "1900-01-01 00:00");
  for (std::int64_t s = 0; s < steps; ++s) {
    out.timeOffsets.push_back(startHours - epoch1900 + static_cast<double>(s) * dtHours);
    out.times.push_back(climate::isoFromHours("standard", startHours + static_cast<double>(s) * dtHours));
  }

  std::mt19937_64 rng(cfg.seed);
  std::uniform_real_distribution<double> u01(0, 1);
  auto uni = [&](double a, double b) { return a + (b - a) * u01(rng); };
  const double total = static_cast<double>(steps) * dtHours;
  std::vector<Storm> storms;
  const double lonLo = cfg.lonMin, lonHi = cfg.lonMin + lonSpan;
  const double tcLatLo = std::max(cfg.latMin + 6, 8.0), tcLatHi = std::min(cfg.latMax - 12, 20.0);
  for (std::int64_t k = 0; k < cfg.cyclones; ++k) {
    Storm s;
    s.tropical = true;
    s.life = uni(84, 168);
    s.t0 = uni(-0.3 * s.life, std::max(0.0, total - 0.5 * s.life));
    s.lat0 = uni(tcLatLo, std::max(tcLatLo, tcLatHi));
    s.lon0 = uni(lonLo + 0.35 * (lonHi - lonLo), lonHi - 6);
    s.u = -uni(3, 7);
    s.v = uni(0.5, 2.5);
    s.dpMax = uni(2000, 7000);
    s.rmaxKm = uni(30, 70);
    s.b = uni(1.2, 1.8);
    s.coreK = 1.0 + 5.0 * s.dpMax / 7000;
    s.coreKm = uni(150, 300);
    s.id = "TC" + std::to_string(k + 1);
    storms.push_back(s);
  }
  for (std::int64_t k = 0; k < cfg.coldLows; ++k) {
    Storm s;
    s.tropical = false;
    s.life = uni(48, 96);
    s.t0 = uni(-0.3 * s.life, std::max(0.0, total - 0.5 * s.life));
    s.lat0 = uni(std::max(cfg.latMin, 28.0), std::max(std::max(cfg.latMin, 28.0), cfg.latMax - 3));
    s.lon0 = uni(lonLo, lonLo + 0.6 * (lonHi - lonLo));
    s.u = uni(6, 10);
    s.v = uni(-1, 1);
    s.dpMax = uni(1000, 2500);
    s.rmaxKm = uni(250, 450);
    s.b = 1.0;
    s.coreK = -uni(1.5, 3.0);
    s.coreKm = uni(500, 800);
    s.id = "EX" + std::to_string(k + 1);
    storms.push_back(s);
  }

  WaveNoise mslNoise(rng, 10, 120, 15, 40), windNoise(rng, 10, 1.5, 8, 25), t500Noise(rng, 10, 0.6, 10, 30),
      t300Noise(rng, 10, 0.6, 10, 30);
  std::normal_distribution<double> gauss(0, 1);
  climate::WriteVariable msl{"msl", "Pa", "Mean sea level pressure", std::vector<float>(per * steps)};
  climate::WriteVariable fg10{"fg10", "m s**-1", "10 metre wind gust", std::vector<float>(per * steps)};
  climate::WriteVariable t500{"t_500", "K", "Temperature at 500 hPa", std::vector<float>(per * steps)};
  climate::WriteVariable t300{"t_300", "K", "Temperature at 300 hPa", std::vector<float>(per * steps)};
  std::map<std::string, Track> tracks;
  const double rho = 1.15;
  for (std::int64_t s = 0; s < steps; ++s) {
    const double h = static_cast<double>(s) * dtHours;
    const std::size_t base = static_cast<std::size_t>(s) * per;
    std::vector<double> windU(per, 0.0);  // the vortices' wind speed, added to the background
    for (std::size_t i = 0; i < nlat; ++i)
      for (std::size_t j = 0; j < nlon; ++j) {
        const double la = out.lat[i], lo = out.lon[j];
        const double env = 101000 + 900 * std::exp(-std::pow((la - 30) / 9, 2)) - 250 * std::exp(-std::pow(la / 7, 2));
        msl.values[base + i * nlon + j] = static_cast<float>(env + mslNoise(la, lo, h) + 8 * gauss(rng));
        t500.values[base + i * nlon + j] =
            static_cast<float>(268 - 7 * std::pow(la / 40, 2) + t500Noise(la, lo, h) + 0.15 * gauss(rng));
        t300.values[base + i * nlon + j] =
            static_cast<float>(242 - 11 * std::pow(la / 40, 2) + t300Noise(la, lo, h) + 0.15 * gauss(rng));
      }
    for (const Storm& st : storms) {
      const double age = h - st.t0;
      if (age < 0 || age > st.life) continue;
      const StormState ss = stateAt(st, age);
      if (ss.lat < cfg.latMin - 5 || ss.lat > cfg.latMax + 5) continue;
      const double f = 2 * 7.2921e-5 * std::sin(std::fabs(ss.lat) * kDeg);
      const double coslat = std::cos(ss.lat * kDeg);
      const double reachDeg = st.tropical ? 20 : 30;
      double vmax = 0;
      for (std::size_t i = 0; i < nlat; ++i) {
        const double dy = (out.lat[i] - ss.lat) * kKmPerDeg;
        if (std::fabs(out.lat[i] - ss.lat) > reachDeg) continue;
        for (std::size_t j = 0; j < nlon; ++j) {
          const double dlon = wrapLonDiff(out.lon[j] - ss.lon);
          if (std::fabs(dlon) > reachDeg / std::max(coslat, 0.2)) continue;
          const double dx = dlon * kKmPerDeg * coslat;
          const double rKm = std::max(std::sqrt(dx * dx + dy * dy), 1.0);
          // The vortex is computed within reachDeg only; a cos^2 taper over its outer 40 %
          // takes it to zero there, so no seam shows at the edge of the box.
          const double rel = rKm / (reachDeg * kKmPerDeg);
          if (rel >= 1) continue;
          const double taper = rel < 0.6 ? 1.0 : std::pow(std::cos(0.5 * kPi * (rel - 0.6) / 0.4), 2);
          const double x = std::pow(ss.rmaxKm / rKm, st.b);
          const double e = std::exp(-x);
          const std::size_t c = base + i * nlon + j;
          msl.values[c] -= static_cast<float>(taper * ss.dp * (1 - e));
          const double rM = rKm * 1000;
          const double vg = taper * (std::sqrt(st.b / rho * x * ss.dp * e + rM * rM * f * f / 4) - rM * f / 2);
          windU[i * nlon + j] += vg;
          vmax = std::max(vmax, vg);
          const double core = taper * st.coreK * (ss.dp / st.dpMax) * std::exp(-std::pow(rKm / st.coreKm, 2));
          t500.values[c] += static_cast<float>(core);
          t300.values[c] += static_cast<float>(1.5 * core);
        }
      }
      if (st.tropical && ss.lat >= cfg.latMin && ss.lat <= cfg.latMax) {
        const double dl = std::fmod(ss.lon - cfg.lonMin + 720.0, 360.0);  // east of the western edge
        if (dl <= lonSpan) {
          Track& t = tracks[st.id];
          t.id = st.id;
          t.points.push_back({out.times[static_cast<std::size_t>(s)], ss.lat, ss.lon, 101000 - ss.dp, vmax, 1});
        }
      }
    }
    for (std::size_t c = 0; c < per; ++c) {
      const std::size_t i = c / nlon, j = c % nlon;
      const double bg = 6 + windNoise(out.lat[i], out.lon[j], h) + 0.4 * gauss(rng);
      fg10.values[base + c] = static_cast<float>(std::sqrt(bg * bg + std::pow(1.2 * windU[c], 2)));
    }
    if (progress) progress(static_cast<double>(s + 1) / static_cast<double>(steps));
  }
  for (auto& [id, t] : tracks)
    if (!t.points.empty()) out.tracks.push_back(t);
  std::sort(out.tracks.begin(), out.tracks.end(), [](const Track& a, const Track& b) {
    return a.points.front().time < b.points.front().time || (a.points.front().time == b.points.front().time && a.id < b.id);
  });
  out.variables = {std::move(msl), std::move(fg10), std::move(t500), std::move(t300)};
  return out;
}

// ---- TempestExtremes-style detection ----------------------------------------------------

namespace {

// The grid's neighbours of a cell as TempestExtremes connects a rectilinear grid: north, south,
// east and west (and the four diagonals with `diagonal`); longitude wraps on a global grid,
// a regional grid's edges have fewer neighbours.
template <class F>
void forNeighbours(const GridView& g, std::size_t i, std::size_t j, F&& f) {
  const long nlat = static_cast<long>(g.lat.size()), nlon = static_cast<long>(g.lon.size());
  for (int di = -1; di <= 1; ++di)
    for (int dj = -1; dj <= 1; ++dj) {
      if ((!di && !dj) || (!g.diagonal && di && dj)) continue;
      const long ni = static_cast<long>(i) + di;
      long nj = static_cast<long>(j) + dj;
      if (ni < 0 || ni >= nlat) continue;
      if (nj < 0 || nj >= nlon) {
        if (!g.periodic) continue;
        nj = (nj + nlon) % nlon;
      }
      f(static_cast<std::size_t>(ni), static_cast<std::size_t>(nj));
    }
}

}  // namespace

// TempestExtremes' closed-contour test (HasClosedContour): a flood fill from the candidate
// over its neighbours; every cell reached is checked for distance first — so the ring of
// cells where the value has risen by delta must lie within distDeg too — and only cells still
// short of the rise pass the fill on.
bool closedContour(const GridView& g, const Field& f, std::size_t i0, std::size_t j0, double delta, double distDeg,
                   double sign) {
  const std::size_t nlon = f.nlon;
  const double v0 = sign * f.at(i0, j0);
  std::vector<char> seen(f.nlat * nlon, 0);
  std::deque<std::pair<std::size_t, std::size_t>> q;
  q.emplace_back(i0, j0);
  while (!q.empty()) {
    const auto [i, j] = q.front();
    q.pop_front();
    if (seen[i * nlon + j]) continue;
    seen[i * nlon + j] = 1;
    if (greatCircleDeg(g.lat[i0], g.lon[j0], g.lat[i], g.lon[j]) > distDeg) return false;
    const float v = f.at(i, j);
    if (std::isnan(v) || sign * v - v0 >= delta) continue;
    forNeighbours(g, i, j, [&](std::size_t ni, std::size_t nj) {
      if (!seen[ni * nlon + nj]) q.emplace_back(ni, nj);
    });
  }
  return true;
}

std::vector<Node> detectNodes(const GridView& g, const Field& msl, const Field& warm, const BaselineConfig& cfg,
                              std::size_t step) {
  const std::size_t nlat = msl.nlat, nlon = msl.nlon;
  struct Cand {
    std::size_t i, j;
    float v;
  };
  // Candidates: cells no neighbour undercuts (TempestExtremes' search over the connectivity,
  // edge cells of a regional grid included).
  std::vector<Cand> cands;
  for (std::size_t i = 0; i < nlat; ++i) {
    if (std::fabs(g.lat[i]) > cfg.maxLatitude) continue;
    for (std::size_t j = 0; j < nlon; ++j) {
      const float v = msl.at(i, j);
      if (std::isnan(v)) continue;
      bool isMin = true;
      forNeighbours(g, i, j, [&](std::size_t ni, std::size_t nj) {
        const float w = msl.at(ni, nj);
        if (!std::isnan(w) && w < v) isMin = false;
      });
      if (isMin) cands.push_back({i, j, v});
    }
  }
  // TempestExtremes' merge: a candidate stays unless another candidate within mergeDeg is
  // lower — whether or not that one stays itself (so a chain of lows keeps only local winners).
  // Noise makes thousands of candidates per field; the lower ones seen so far are kept in
  // buckets mergeDeg wide, so each candidate looks only at the buckets that can hold a
  // neighbour within mergeDeg (longitude buckets widen towards the poles).
  std::sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) { return a.v < b.v; });
  const double bin = std::max(cfg.mergeDeg, 1e-3);
  const long lonBins = std::max(1L, static_cast<long>(std::ceil(360.0 / bin)));
  std::map<std::pair<long, long>, std::vector<std::size_t>> seen;
  std::vector<Cand> merged;
  for (std::size_t k = 0; k < cands.size(); ++k) {
    const Cand& c = cands[k];
    const double la = g.lat[c.i], lo = g.lon[c.j];
    const long bi = static_cast<long>(std::floor((la + 90) / bin)), bj = static_cast<long>(std::floor(lo / bin)) % lonBins;
    const double coslat = std::cos(std::min(89.9, std::fabs(la) + cfg.mergeDeg) * kDeg);
    const long reachJ = std::min(lonBins / 2 + 1, static_cast<long>(std::ceil(cfg.mergeDeg / (bin * std::max(coslat, 1e-3)))) + 1);
    // Nearest buckets first: most candidates are noise next to a deeper one and stop early.
    std::vector<std::pair<long, long>> offsets;
    for (long di = -1; di <= 1; ++di)
      for (long dj = -reachJ; dj <= reachJ; ++dj) offsets.emplace_back(di, dj);
    std::sort(offsets.begin(), offsets.end(), [](const auto& a, const auto& b) {
      return std::max(std::labs(a.first), std::labs(a.second)) < std::max(std::labs(b.first), std::labs(b.second));
    });
    bool lowerNear = false;
    for (const auto& [di, dj] : offsets) {
      auto it = seen.find({bi + di, ((bj + dj) % lonBins + lonBins) % lonBins});
      if (it == seen.end()) continue;
      for (std::size_t m : it->second)
        if (std::fabs(g.lat[cands[m].i] - la) <= cfg.mergeDeg && cands[m].v < c.v &&
            greatCircleDeg(la, lo, g.lat[cands[m].i], g.lon[cands[m].j]) <= cfg.mergeDeg) {
          lowerNear = true;
          break;
        }
      if (lowerNear) break;
    }
    seen[{bi, bj}].push_back(k);
    if (!lowerNear) merged.push_back(c);
  }
  std::vector<Node> out;
  for (const Cand& c : merged) {
    if (!closedContour(g, msl, c.i, c.j, cfg.pressureRise, cfg.pressureDistDeg, +1)) continue;
    if (!warm.values.empty()) {
      // The warm core's maximum within warmCoreSearchDeg of the candidate, then a closed
      // contour around it.
      const int reach = static_cast<int>(std::ceil(cfg.warmCoreSearchDeg / std::max(1e-6, std::fabs(g.lat[1] - g.lat[0])))) + 1;
      std::size_t bi = c.i, bj = c.j;
      float best = -std::numeric_limits<float>::infinity();
      for (int di = -reach; di <= reach; ++di)
        for (int dj = -reach; dj <= reach; ++dj) {
          const long ii = static_cast<long>(c.i) + di;
          long jj = static_cast<long>(c.j) + dj;
          if (ii < 0 || ii >= static_cast<long>(nlat)) continue;
          if (jj < 0 || jj >= static_cast<long>(nlon)) {
            if (!g.periodic) continue;
            jj = (jj + static_cast<long>(nlon)) % static_cast<long>(nlon);
          }
          const auto ui = static_cast<std::size_t>(ii), uj = static_cast<std::size_t>(jj);
          if (greatCircleDeg(g.lat[c.i], g.lon[c.j], g.lat[ui], g.lon[uj]) > cfg.warmCoreSearchDeg) continue;
          const float w = warm.at(ui, uj);
          if (!std::isnan(w) && w > best) best = w, bi = ui, bj = uj;
        }
      if (!closedContour(g, warm, bi, bj, cfg.warmCoreDrop, cfg.warmCoreDistDeg, -1)) continue;
    }
    out.push_back({step, g.lat[c.i], std::fmod(g.lon[c.j], 360.0), c.v, 1.0});
  }
  return out;
}

std::vector<Track> stitchNodes(const std::vector<std::vector<Node>>& perStep, const std::vector<std::string>& times,
                               double hoursPerStep, double rangeDeg, double minHours, double maxGapHours,
                               const std::string& idPrefix) {
  struct Open {
    std::vector<Node> nodes;
  };
  std::vector<Open> tracks;
  const std::size_t maxGapSteps = static_cast<std::size_t>(std::floor(maxGapHours / hoursPerStep + 1e-9)) + 1;
  for (std::size_t s = 0; s < perStep.size(); ++s) {
    const auto& nodes = perStep[s];
    struct Pair {
      double d;
      std::size_t t, n;
    };
    std::vector<Pair> pairs;
    for (std::size_t t = 0; t < tracks.size(); ++t) {
      const Node& last = tracks[t].nodes.back();
      if (last.step >= s || s - last.step > maxGapSteps) continue;
      for (std::size_t n = 0; n < nodes.size(); ++n) {
        const double d = greatCircleDeg(last.lat, last.lon, nodes[n].lat, nodes[n].lon);
        if (d <= rangeDeg) pairs.push_back({d, t, n});
      }
    }
    std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return a.d < b.d; });
    std::vector<char> trackUsed(tracks.size(), 0), nodeUsed(nodes.size(), 0);
    for (const Pair& p : pairs) {
      if (trackUsed[p.t] || nodeUsed[p.n]) continue;
      trackUsed[p.t] = nodeUsed[p.n] = 1;
      tracks[p.t].nodes.push_back(nodes[p.n]);
    }
    for (std::size_t n = 0; n < nodes.size(); ++n)
      if (!nodeUsed[n]) tracks.push_back({{nodes[n]}});
  }
  std::vector<Track> out;
  for (const auto& t : tracks) {
    const double hours = static_cast<double>(t.nodes.back().step - t.nodes.front().step) * hoursPerStep;
    if (hours + 1e-9 < minHours) continue;
    Track tr;
    tr.id = idPrefix + std::to_string(out.size() + 1);
    for (const Node& n : t.nodes) tr.points.push_back({times.at(n.step), n.lat, n.lon, n.msl, 0, n.score});
    out.push_back(tr);
  }
  return out;
}

// ---- scores -------------------------------------------------------------------------------

DetectionScores scoreDetections(const std::vector<Track>& truth, const std::vector<Track>& found, double matchKm) {
  struct Ref {
    std::size_t track;
    const TrackPoint* p;
  };
  std::map<std::string, std::vector<Ref>> trueAt, foundAt;
  for (std::size_t t = 0; t < truth.size(); ++t)
    for (const auto& p : truth[t].points) trueAt[p.time].push_back({t, &p});
  for (std::size_t t = 0; t < found.size(); ++t)
    for (const auto& p : found[t].points) foundAt[p.time].push_back({t, &p});
  DetectionScores s;
  std::vector<std::int64_t> hitsPerTrack(truth.size(), 0);
  std::vector<double> errors;
  for (const auto& [time, refs] : trueAt) s.truePoints += static_cast<std::int64_t>(refs.size());
  for (const auto& [time, refs] : foundAt) s.detections += static_cast<std::int64_t>(refs.size());
  for (const auto& [time, trues] : trueAt) {
    auto it = foundAt.find(time);
    if (it == foundAt.end()) continue;
    const auto& dets = it->second;
    struct Pair {
      double km;
      std::size_t a, b;
    };
    std::vector<Pair> pairs;
    for (std::size_t a = 0; a < trues.size(); ++a)
      for (std::size_t b = 0; b < dets.size(); ++b) {
        const double km = greatCircleKm(trues[a].p->lat, trues[a].p->lon, dets[b].p->lat, dets[b].p->lon);
        if (km <= matchKm) pairs.push_back({km, a, b});
      }
    std::sort(pairs.begin(), pairs.end(), [](const Pair& x, const Pair& y) { return x.km < y.km; });
    std::vector<char> ua(trues.size(), 0), ub(dets.size(), 0);
    for (const Pair& p : pairs) {
      if (ua[p.a] || ub[p.b]) continue;
      ua[p.a] = ub[p.b] = 1;
      ++s.hits;
      errors.push_back(p.km);
      ++hitsPerTrack[trues[p.a].track];
    }
  }
  s.pod = s.truePoints ? static_cast<double>(s.hits) / static_cast<double>(s.truePoints) : 0;
  s.far = s.detections ? static_cast<double>(s.detections - s.hits) / static_cast<double>(s.detections) : 0;
  if (!errors.empty()) {
    std::sort(errors.begin(), errors.end());
    const std::size_t n = errors.size();
    s.medianErrorKm = n % 2 ? errors[n / 2] : 0.5 * (errors[n / 2 - 1] + errors[n / 2]);
    double sum = 0;
    for (double e : errors) sum += e;
    s.meanErrorKm = sum / static_cast<double>(n);
  }
  s.trueTracks = static_cast<std::int64_t>(truth.size());
  for (std::size_t t = 0; t < truth.size(); ++t)
    if (2 * hitsPerTrack[t] >= static_cast<std::int64_t>(truth[t].points.size()) && !truth[t].points.empty()) ++s.tracksFound;
  return s;
}

}  // namespace tf::cyclone
