#include "GwScience.h"

#include "io/AtomicFile.h"


#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace tf::gw {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kTsun = 4.925491025543576e-6;  // G Msun / c^3 in seconds

// Tapers the first and last `n` samples with half-Hann windows.
void taperEnds(std::vector<double>& h, std::size_t nIn, std::size_t nOut) {
  nIn = std::min(nIn, h.size());
  nOut = std::min(nOut, h.size());
  for (std::size_t i = 0; i < nIn; ++i) h[i] *= 0.5 * (1 - std::cos(kPi * static_cast<double>(i) / static_cast<double>(nIn)));
  for (std::size_t i = 0; i < nOut; ++i)
    h[h.size() - 1 - i] *= 0.5 * (1 - std::cos(kPi * static_cast<double>(i) / static_cast<double>(nOut)));
}

void normalisePeak(std::vector<double>& h) {
  double m = 0;
  for (double v : h) m = std::max(m, std::abs(v));
  if (m > 0)
    for (double& v : h) v /= m;
}
}  // namespace

TwinWhitening TwinWhitening::fitted(double duration) const {
  TwinWhitening t = *this;
  t.fftLength = std::min(fftLength, duration / 4);
  t.overlap = std::min(overlap, t.fftLength / 2);
  t.fduration = std::min(fduration, duration / 4);
  return t;
}

signal::WelchOptions TwinWhitening::welch() const {
  signal::WelchOptions o;
  o.fftLength = fftLength;
  o.overlap = overlap;
  return o;
}

signal::WhitenOptions TwinWhitening::whiten() const {
  signal::WhitenOptions o;
  o.fduration = fduration;
  o.highpass = highpass;
  return o;
}

double designPsd(double f, double fLow) {
  const double fe = std::max(f, fLow);
  const double x = fe / 215.0;
  const double x2 = x * x;
  return 1e-49 * (std::pow(x, -4.14) - 5.0 / x2 + 111.0 * (1 - x2 + 0.5 * x2 * x2) / (1 + 0.5 * x2));
}

std::vector<double> colouredNoise(double rate, std::size_t n, std::uint64_t seed, double fLow) {
  if (n < 2) return std::vector<double>(n, 0.0);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0, 1);
  const std::size_t nf = n / 2 + 1;
  std::vector<std::complex<double>> X(nf);
  const double df = rate / static_cast<double>(n);
  // |X_k|^2 averages S(f) fs n / 2, so the periodogram 2 |X_k|^2 / (fs n) averages S(f).
  for (std::size_t k = 0; k < nf; ++k) {
    const double a = g(rng), b = g(rng);
    if (k == 0) continue;
    const double amp = std::sqrt(designPsd(static_cast<double>(k) * df, fLow) * rate * static_cast<double>(n) / 4.0);
    X[k] = {amp * a, (n % 2 == 0 && k == nf - 1) ? 0.0 : amp * b};
  }
  return signal::irfft(X, n);
}

double optimalSnr(const std::vector<double>& h, double rate, double fLow) {
  const std::size_t n = h.size();
  if (n < 2) return 0;
  const std::vector<std::complex<double>> H = signal::rfft(h);
  const double dt = 1 / rate, df = rate / static_cast<double>(n);
  double s = 0;
  for (std::size_t k = 1; k < H.size(); ++k) {
    const double f = static_cast<double>(k) * df;
    if (f < fLow) continue;
    s += 4 * std::norm(H[k]) * dt * dt / designPsd(f) * df;
  }
  return std::sqrt(s);
}

const char* eventKindName(EventKind k) {
  switch (k) {
    case EventKind::Chirp: return "chirp";
    case EventKind::Blip: return "blip";
    case EventKind::Scatter: return "scatter";
    case EventKind::Whistle: return "whistle";
  }
  return "?";
}

EventKind eventKindFromName(const std::string& n) {
  if (n == "chirp") return EventKind::Chirp;
  if (n == "blip") return EventKind::Blip;
  if (n == "scatter") return EventKind::Scatter;
  if (n == "whistle") return EventKind::Whistle;
  throw std::invalid_argument("unknown event kind '" + n + "' (expected chirp, blip, scatter or whistle)");
}

std::vector<double> chirp(double chirpMass, double rate, double fLow, double phase, std::size_t* tcIndex, double* endFrequency) {
  const double mc = chirpMass * kTsun;  // seconds
  const double totalMass = chirpMass * std::pow(2.0, 1.2);  // equal masses
  const double fIsco = 1.0 / (std::pow(6.0, 1.5) * kPi * totalMass * kTsun);
  const double fEnd = std::min(fIsco, 0.45 * rate);
  // Time to coalescence at frequency f (leading order): tau = 5/256 (pi f)^(-8/3) mc^(-5/3).
  auto tau = [&](double f) { return 5.0 / 256.0 * std::pow(kPi * f, -8.0 / 3.0) * std::pow(mc, -5.0 / 3.0); };
  const double tStart = tau(fLow), tStop = tau(fEnd);
  const std::size_t n = static_cast<std::size_t>(std::ceil((tStart - tStop) * rate)) + 1;
  std::vector<double> h(n);
  double phi = phase;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = tStart - static_cast<double>(i) / rate;  // time before coalescence
    const double f = std::pow(5.0 / (256.0 * std::max(t, tStop)), 3.0 / 8.0) * std::pow(mc, -5.0 / 8.0) / kPi;
    h[i] = std::pow(f, 2.0 / 3.0) * std::cos(phi);
    phi += 2 * kPi * f / rate;
  }
  // In over 0.1 s (or a tenth of the chirp), out over two cycles at the end frequency.
  taperEnds(h, std::min<std::size_t>(static_cast<std::size_t>(0.1 * rate), n / 10),
            std::min<std::size_t>(static_cast<std::size_t>(2.0 / fEnd * rate), n / 4));
  normalisePeak(h);
  if (tcIndex) *tcIndex = n - 1 + static_cast<std::size_t>(std::llround(tStop * rate));
  if (endFrequency) *endFrequency = fEnd;
  return h;
}

std::vector<double> blip(double f0, double q, double rate, double phase) {
  const double tau = q / (std::sqrt(2.0) * kPi * f0);
  const std::size_t half = static_cast<std::size_t>(std::ceil(4 * tau * rate));
  std::vector<double> h(2 * half + 1);
  for (std::size_t i = 0; i < h.size(); ++i) {
    const double t = (static_cast<double>(i) - static_cast<double>(half)) / rate;
    h[i] = std::exp(-t * t / (tau * tau)) * std::sin(2 * kPi * f0 * t + phase);
  }
  normalisePeak(h);
  return h;
}

std::vector<double> scatterArches(double fMax, double period, int arches, double rate) {
  // Each arch: f(t) = fMax |sin(pi t / period)| over one period; the amplitude follows the
  // arch (light scattered by a moving surface, strongest at its fastest).
  const std::size_t n = static_cast<std::size_t>(period * arches * rate);
  std::vector<double> h(n);
  double phi = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    const double s = std::abs(std::sin(kPi * t / period));
    phi += 2 * kPi * fMax * s / rate;
    h[i] = s * std::sin(phi);
  }
  taperEnds(h, n / 8, n / 8);
  normalisePeak(h);
  return h;
}

std::vector<double> whistle(double fHigh, double fLow, double duration, double rate) {
  // A V in the time-frequency plane: down from fHigh to fLow and back, Gaussian envelope.
  const std::size_t n = static_cast<std::size_t>(duration * rate);
  std::vector<double> h(n);
  double phi = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double u = static_cast<double>(i) / static_cast<double>(n) * 2 - 1;  // -1..1
    const double f = fLow + (fHigh - fLow) * std::abs(u);
    phi += 2 * kPi * f / rate;
    h[i] = std::exp(-u * u * 4) * std::sin(phi);
  }
  normalisePeak(h);
  return h;
}

namespace {

// Adds `shape` scaled to `snr` with its sample `anchor` at index `at` of `x` (clipped at the ends).
void inject(std::vector<double>& x, const std::vector<double>& shape, long at, std::size_t anchor, double scale) {
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const long j = at - static_cast<long>(anchor) + static_cast<long>(i);
    if (j >= 0 && j < static_cast<long>(x.size())) x[static_cast<std::size_t>(j)] += scale * shape[i];
  }
}

}  // namespace

SyntheticStrain makeSyntheticStrain(const SyntheticConfig& c, const std::function<void(double)>& progress) {
  if (!(c.rate >= 512)) throw std::invalid_argument("rate must be at least 512 Hz");
  if (!(c.duration >= 8)) throw std::invalid_argument("duration must be at least 8 s");
  const std::size_t n = static_cast<std::size_t>(std::llround(c.duration * c.rate));
  SyntheticStrain s;
  s.noisy.detector = c.detector;
  s.noisy.observatory = c.detector.substr(0, 1);
  s.noisy.description = "TwinForge synthetic strain: design-curve noise, inspirals and glitches";
  s.noisy.strain.rate = c.rate;
  s.noisy.strain.t0 = c.gpsStart;
  s.noisy.strain.channel = c.detector + ":GWOSC-" + std::to_string(std::lround(c.rate / 1024)) + "KHZ_R1_STRAIN";
  s.noisy.strain.values = colouredNoise(c.rate, n, c.seed, 10.0);
  if (progress) progress(0.4);
  s.clean = s.noisy.strain;
  s.clean.channel = c.detector + ":INJECTED";
  s.clean.values.assign(n, 0.0);

  std::mt19937_64 rng(c.seed * 7919 + 17);
  std::uniform_real_distribution<double> u(0, 1);
  auto between = [&](double a, double b) { return a + (b - a) * u(rng); };
  // Chirps: coalescence times spread evenly with jitter, kept 2 s from the ends.
  const int nChirps = static_cast<int>(std::floor(c.chirpsPerMinute * c.duration / 60.0));
  for (int i = 0; i < nChirps; ++i) {
    const double slot = (c.duration - 4) / std::max(1, nChirps);
    const double tc = 2 + slot * (i + between(0.2, 0.8));
    Event e;
    e.kind = EventKind::Chirp;
    e.gps = c.gpsStart + tc;
    e.chirpMass = between(c.chirpMassMin, c.chirpMassMax);
    e.snr = between(c.snrMin, c.snrMax);
    std::size_t tcIndex = 0;
    std::vector<double> h = chirp(e.chirpMass, c.rate, c.fLow, between(0, 2 * kPi), &tcIndex, &e.frequency);
    e.duration = static_cast<double>(tcIndex) / c.rate;
    const double scale = e.snr / optimalSnr(h, c.rate, 15.0);
    const long at = std::lround(tc * c.rate);
    inject(s.clean.values, h, at, tcIndex, scale);
    s.events.push_back(e);
  }
  if (progress) progress(0.6);
  // Glitches: Poisson-like times, a third of each family.
  const int nGlitches = static_cast<int>(std::floor(c.glitchesPerMinute * c.duration / 60.0));
  std::vector<double> glitch(n, 0.0);
  for (int i = 0; i < nGlitches; ++i) {
    Event e;
    e.kind = i % 3 == 0 ? EventKind::Blip : i % 3 == 1 ? EventKind::Scatter : EventKind::Whistle;
    const double t = between(1.5, c.duration - 1.5);
    e.gps = c.gpsStart + t;
    e.snr = between(c.glitchSnrMin, c.glitchSnrMax);
    std::vector<double> h;
    if (e.kind == EventKind::Blip) {
      e.frequency = between(60, 250);
      h = blip(e.frequency, between(2, 6), c.rate, between(0, 2 * kPi));
    } else if (e.kind == EventKind::Scatter) {
      e.frequency = between(25, 50);
      h = scatterArches(e.frequency, between(0.4, 0.8), 2, c.rate);
    } else {
      e.frequency = between(300, std::min(600.0, 0.2 * c.rate));
      h = whistle(std::min(e.frequency * 2.5, 0.45 * c.rate), e.frequency, between(0.1, 0.3), c.rate);
    }
    e.duration = static_cast<double>(h.size()) / c.rate;
    const double scale = e.snr / optimalSnr(h, c.rate, 15.0);
    inject(glitch, h, std::lround(t * c.rate), h.size() / 2, scale);
    s.events.push_back(e);
  }
  if (progress) progress(0.8);
  for (std::size_t i = 0; i < n; ++i) s.noisy.strain.values[i] += s.clean.values[i] + glitch[i];
  std::sort(s.events.begin(), s.events.end(), [](const Event& a, const Event& b) { return a.gps < b.gps; });
  const std::size_t secs = static_cast<std::size_t>(std::ceil(c.duration));
  s.noisy.quality = data::gwoscQualityBits(c.gpsStart, secs);
  s.noisy.injections = data::gwoscInjectionBits(c.gpsStart, secs);
  // Seconds with a loud glitch fail the burst search's category 2 (as a glitch veto would).
  for (const Event& e : s.events)
    if (e.kind != EventKind::Chirp && e.snr > 30) {
      const long sec = static_cast<long>(std::floor(e.gps - c.gpsStart));
      if (sec >= 0 && sec < static_cast<long>(secs)) s.noisy.quality.mask[static_cast<std::size_t>(sec)] &= ~(1u << 5);
    }
  return s;
}

std::string cleanFileFor(const std::string& noisyFile) {
  std::string base = noisyFile;
  for (const char* ext : {".hdf5", ".h5"})
    if (base.size() > std::strlen(ext) && base.compare(base.size() - std::strlen(ext), std::strlen(ext), ext) == 0)
      base.resize(base.size() - std::strlen(ext));
  return base + ".clean.hdf5";
}

std::string eventsFileFor(const std::string& noisyFile) {
  std::string c = cleanFileFor(noisyFile);
  return c.substr(0, c.size() - std::strlen(".clean.hdf5")) + ".events.csv";
}

void writeEvents(const std::string& path, const std::vector<Event>& events) {
  std::ostringstream s;
  s << "kind,gps,snr,duration_s,frequency_hz,chirp_mass_msun\n";
  // GPS times to the microsecond (ten digits before the point: 12 significant digits would
  // round them to 10 ms); the rest to six significant digits.
  for (const Event& e : events) {
    char line[200];
    std::snprintf(line, sizeof line, "%s,%.6f,%.6g,%.6g,%.6g,%.6g\n", eventKindName(e.kind), e.gps, e.snr, e.duration, e.frequency,
                  e.chirpMass);
    s << line;
  }
  io::writeTextAtomic(path, s.str());
}

std::vector<Event> readEvents(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("'" + path + "': cannot open the events table");
  std::vector<Event> out;
  std::string line;
  int ln = 0;
  while (std::getline(in, line)) {
    ++ln;
    if (ln == 1 || line.empty()) continue;
    std::stringstream ss(line);
    std::vector<std::string> f;
    for (std::string cell; std::getline(ss, cell, ',');) f.push_back(cell);
    if (f.size() != 6)
      throw std::runtime_error("'" + path + "' line " + std::to_string(ln) + ": expected 6 columns (kind,gps,snr,duration_s,frequency_hz,chirp_mass_msun), found " +
                               std::to_string(f.size()));
    try {
      Event e;
      e.kind = eventKindFromName(f[0]);
      e.gps = std::stod(f[1]);
      e.snr = std::stod(f[2]);
      e.duration = std::stod(f[3]);
      e.frequency = std::stod(f[4]);
      e.chirpMass = std::stod(f[5]);
      out.push_back(e);
    } catch (const std::exception& ex) {
      throw std::runtime_error("'" + path + "' line " + std::to_string(ln) + ": " + ex.what());
    }
  }
  return out;
}

}  // namespace tf::gw
