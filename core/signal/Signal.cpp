#include "signal/Signal.h"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <functional>
#include <mutex>
#include <thread>
#include <numeric>
#include <stdexcept>

namespace tf::signal {

namespace {

using cd = std::complex<double>;
constexpr double kPi = 3.14159265358979323846;

// FFTW's planner is not thread-safe; execution is. One plan per object, its own buffers.
std::mutex& plannerMutex() {
  static std::mutex m;
  return m;
}

// Transforms of a million points and more (whitening an hour of strain) use FFTW's threads.
int plannerThreads(std::size_t n) {
  static const bool ready = fftw_init_threads() != 0;
  if (!ready || n < (std::size_t{1} << 20)) return 1;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

class RealFft {
 public:
  explicit RealFft(std::size_t n) : n_(n) {
    in_ = fftw_alloc_real(n);
    out_ = fftw_alloc_complex(n / 2 + 1);
    std::lock_guard<std::mutex> lock(plannerMutex());
    fftw_plan_with_nthreads(plannerThreads(n));
    fwd_ = fftw_plan_dft_r2c_1d(static_cast<int>(n), in_, out_, FFTW_ESTIMATE);
    inv_ = fftw_plan_dft_c2r_1d(static_cast<int>(n), out_, in_, FFTW_ESTIMATE);
  }
  RealFft(const RealFft&) = delete;
  RealFft& operator=(const RealFft&) = delete;
  ~RealFft() {
    std::lock_guard<std::mutex> lock(plannerMutex());
    fftw_destroy_plan(fwd_);
    fftw_destroy_plan(inv_);
    fftw_free(in_);
    fftw_free(out_);
  }
  std::size_t size() const { return n_; }
  double* in() { return in_; }
  cd* spectrum() { return reinterpret_cast<cd*>(out_); }
  void forward() { fftw_execute(fwd_); }
  // Unnormalised inverse: in() becomes n times numpy's irfft. Destroys spectrum().
  void inverse() { fftw_execute(inv_); }

 private:
  std::size_t n_;
  double* in_ = nullptr;
  fftw_complex* out_ = nullptr;
  fftw_plan fwd_ = nullptr, inv_ = nullptr;
};

class ComplexFft {
 public:
  explicit ComplexFft(std::size_t n) : n_(n) {
    buf_ = fftw_alloc_complex(n);
    std::lock_guard<std::mutex> lock(plannerMutex());
    inv_ = fftw_plan_dft_1d(static_cast<int>(n), buf_, buf_, FFTW_BACKWARD, FFTW_ESTIMATE);
  }
  ComplexFft(const ComplexFft&) = delete;
  ComplexFft& operator=(const ComplexFft&) = delete;
  ~ComplexFft() {
    std::lock_guard<std::mutex> lock(plannerMutex());
    fftw_destroy_plan(inv_);
    fftw_free(buf_);
  }
  cd* data() { return reinterpret_cast<cd*>(buf_); }
  void inverse() { fftw_execute(inv_); }  // unnormalised

 private:
  std::size_t n_;
  fftw_complex* buf_ = nullptr;
  fftw_plan inv_ = nullptr;
};

// Runs fn(begin, end) over [0, n) split across the machine's cores (one part below `grain`).
void parallelFor(std::size_t n, std::size_t grain, const std::function<void(std::size_t, std::size_t)>& fn) {
  const std::size_t hw = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t parts = std::min<std::size_t>(hw, std::max<std::size_t>(1, n / std::max<std::size_t>(grain, 1)));
  if (parts <= 1) {
    fn(0, n);
    return;
  }
  std::vector<std::thread> pool;
  std::exception_ptr failure;
  std::mutex m;
  for (std::size_t p = 0; p < parts; ++p)
    pool.emplace_back([&, p] {
      try {
        fn(n * p / parts, n * (p + 1) / parts);
      } catch (...) {
        std::lock_guard<std::mutex> lock(m);
        failure = std::current_exception();
      }
    });
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

// A length FFTW transforms fast: the next 2^a 3^b 5^c at or above n.
std::size_t goodFftSize(std::size_t n) {
  std::size_t best = 1;
  while (best < n) best *= 2;
  for (std::size_t p5 = 1; p5 < best; p5 *= 5)
    for (std::size_t p35 = p5; p35 < best; p35 *= 3) {
      std::size_t v = p35;
      while (v < n) v *= 2;
      best = std::min(best, v);
    }
  return best;
}

double median(std::vector<double>& v) {
  const std::size_t n = v.size();
  if (n == 0) return 0;
  std::nth_element(v.begin(), v.begin() + n / 2, v.end());
  double hi = v[n / 2];
  if (n % 2) return hi;
  double lo = *std::max_element(v.begin(), v.begin() + n / 2);
  return 0.5 * (lo + hi);
}

// scipy's correction of a median of chi-squared(2) periodograms to their mean.
double medianBias(std::size_t n) {
  double s = 1;
  for (std::size_t i = 1; i <= (n - 1) / 2; ++i) {
    const double ii2 = 2.0 * static_cast<double>(i);
    s += 1.0 / (ii2 + 1) - 1.0 / ii2;
  }
  return s;
}

std::size_t toSamples(double seconds, double rate) {
  return static_cast<std::size_t>(std::llround(seconds * rate));
}

void requireSeries(const TimeSeries& x, const char* what) {
  if (!(x.rate > 0)) throw std::invalid_argument(std::string(what) + ": the series has no sample rate");
  if (x.values.empty()) throw std::invalid_argument(std::string(what) + ": the series is empty");
}

// Python's float floor division (fmod based), which QPlane's frequency grid uses.
double pyFloorDiv(double a, double b) {
  const double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1.0;
  double fl = std::floor(div);
  if (div - fl > 0.5) fl += 1.0;
  return fl;
}

}  // namespace

std::vector<std::complex<double>> rfft(const std::vector<double>& x) {
  RealFft f(x.size());
  std::copy(x.begin(), x.end(), f.in());
  f.forward();
  return std::vector<cd>(f.spectrum(), f.spectrum() + x.size() / 2 + 1);
}

std::vector<double> irfft(const std::vector<std::complex<double>>& X, std::size_t n) {
  RealFft f(n);
  for (std::size_t k = 0; k < n / 2 + 1; ++k) f.spectrum()[k] = k < X.size() ? X[k] : cd(0, 0);
  f.inverse();
  std::vector<double> out(f.in(), f.in() + n);
  for (double& v : out) v /= static_cast<double>(n);
  return out;
}

TimeSeries TimeSeries::crop(double gpsBegin, double gpsEnd) const {
  TimeSeries out = *this;
  const double n = static_cast<double>(values.size());
  auto idx = [&](double t) { return static_cast<std::size_t>(std::clamp(std::round((t - t0) * rate), 0.0, n)); };
  const std::size_t a = idx(gpsBegin), b = std::max(a, idx(gpsEnd));
  out.values.assign(values.begin() + static_cast<std::ptrdiff_t>(a), values.begin() + static_cast<std::ptrdiff_t>(b));
  out.t0 = t0 + static_cast<double>(a) / rate;
  return out;
}

double Spectrum::at(double f) const {
  if (values.empty()) return 0;
  const double pos = (f - f0) / df;
  if (pos <= 0) return values.front();
  const std::size_t i = static_cast<std::size_t>(pos);
  if (i + 1 >= values.size()) return values.back();
  const double w = pos - static_cast<double>(i);
  return values[i] * (1 - w) + values[i + 1] * w;
}

Window windowFromName(const std::string& name) {
  if (name == "hann" || name == "hanning") return Window::Hann;
  if (name == "hamming") return Window::Hamming;
  if (name == "boxcar" || name == "rectangular" || name == "none") return Window::Rectangular;
  throw std::invalid_argument("unknown window '" + name + "' (expected hann, hamming or boxcar)");
}

const char* windowName(Window w) {
  switch (w) {
    case Window::Hann: return "hann";
    case Window::Hamming: return "hamming";
    case Window::Rectangular: return "boxcar";
  }
  return "?";
}

std::vector<double> window(Window w, std::size_t n, bool symmetric) {
  std::vector<double> out(n, 1.0);
  if (n <= 1 || w == Window::Rectangular) return out;
  const double m = symmetric ? static_cast<double>(n - 1) : static_cast<double>(n);
  const double a0 = w == Window::Hann ? 0.5 : 0.54;
  for (std::size_t i = 0; i < n; ++i) out[i] = a0 - (1 - a0) * std::cos(2 * kPi * static_cast<double>(i) / m);
  return out;
}

double recommendedOverlap(Window w) { return w == Window::Rectangular ? 0.0 : 0.5; }

double defaultFftLength(double rate) { return std::max(2.0, std::ceil(2048.0 / rate)); }

Spectrum psd(const TimeSeries& x, const WelchOptions& o) {
  requireSeries(x, "psd");
  const std::size_t n = x.values.size();
  const std::size_t nper = o.fftLength > 0 ? toSamples(o.fftLength, x.rate) : n;
  if (nper < 2 || nper > n)
    throw std::invalid_argument("psd: FFT length of " + std::to_string(nper) + " samples does not fit a series of " +
                                std::to_string(n));
  const std::size_t nover = o.overlap >= 0 ? toSamples(o.overlap, x.rate)
                                           : static_cast<std::size_t>(recommendedOverlap(o.window) * nper);
  if (nover >= nper) throw std::invalid_argument("psd: overlap must be shorter than the FFT length");
  const std::size_t step = nper - nover;
  const std::size_t nseg = (n - nover) / step;
  const std::vector<double> win = window(o.window, nper);
  double wss = 0;
  for (double v : win) wss += v * v;
  const double scale = 1.0 / (x.rate * wss);
  const std::size_t nf = nper / 2 + 1;

  std::vector<double> per(nseg * nf);  // periodograms, bin-major for the median
  parallelFor(nseg, 32, [&](std::size_t s0, std::size_t s1) {
    RealFft fft(nper);
    for (std::size_t s = s0; s < s1; ++s) {
      const double* seg = x.values.data() + s * step;
      const double mean = std::accumulate(seg, seg + nper, 0.0) / static_cast<double>(nper);
      for (std::size_t i = 0; i < nper; ++i) fft.in()[i] = (seg[i] - mean) * win[i];
      fft.forward();
      const cd* X = fft.spectrum();
      for (std::size_t k = 0; k < nf; ++k) {
        double p = std::norm(X[k]) * scale;
        const bool edge = k == 0 || (nper % 2 == 0 && k == nf - 1);
        if (!edge) p *= 2;
        per[k * nseg + s] = p;
      }
    }
  });
  Spectrum out;
  out.f0 = 0;
  out.df = x.rate / static_cast<double>(nper);
  out.values.resize(nf);
  if (o.average == Average::Mean || nseg == 1) {
    for (std::size_t k = 0; k < nf; ++k)
      out.values[k] = std::accumulate(per.begin() + k * nseg, per.begin() + (k + 1) * nseg, 0.0) / nseg;
  } else {
    const double bias = medianBias(nseg);
    parallelFor(nf, 256, [&](std::size_t k0, std::size_t k1) {
      std::vector<double> tmp(nseg);
      for (std::size_t k = k0; k < k1; ++k) {
        std::copy(per.begin() + k * nseg, per.begin() + (k + 1) * nseg, tmp.begin());
        out.values[k] = median(tmp) / bias;
      }
    });
  }
  return out;
}

Spectrum asd(const TimeSeries& x, const WelchOptions& o) {
  Spectrum s = psd(x, o);
  for (double& v : s.values) v = std::sqrt(v);
  return s;
}

Spectrum interpolate(const Spectrum& s, double df) {
  Spectrum out;
  out.f0 = s.f0;
  out.df = df;
  const double nsamp = static_cast<double>(s.values.size() - 1) * (s.df / df) + 1;
  const std::size_t n = static_cast<std::size_t>(std::nearbyint(nsamp));
  out.values.resize(n);
  for (std::size_t i = 0; i < n; ++i) out.values[i] = s.at(static_cast<double>(i) * df + s.f0);
  return out;
}

std::vector<double> firFromTransfer(const std::vector<double>& transferIn, std::size_t ntaps, std::size_t ncorner) {
  const std::size_t nsamp = transferIn.size();
  if (nsamp < 12) throw std::invalid_argument("firFromTransfer: transfer function too short");
  std::vector<double> t = transferIn;
  for (std::size_t i = 0; i < std::min(ncorner, nsamp); ++i) t[i] = 0;
  // Taper five bins at each edge with the halves of a 10-point Tukey(alpha=1) window.
  const std::size_t ns = 5;
  if (nsamp > ncorner) {
    const std::vector<double> tw = window(Window::Hann, 2 * ns, true);
    for (std::size_t i = 0; i < ns; ++i) {
      t[ncorner + i] *= tw[i];
      t[nsamp - ns + i] *= tw[ns + i];
    }
  }
  // numpy's irfft: length 2 (nsamp - 1), normalised.
  const std::size_t n = 2 * (nsamp - 1);
  if (ntaps > n) throw std::invalid_argument("firFromTransfer: more taps than the impulse response has");
  RealFft fft(n);
  for (std::size_t k = 0; k < nsamp; ++k) fft.spectrum()[k] = cd(t[k], 0);
  fft.inverse();
  // Only the ends of the impulse response survive the truncation: read them in place.
  const double* imp = fft.in();
  const std::size_t ts = ntaps / 2, te = n - ts;
  const std::vector<double> win = window(Window::Hann, ntaps);
  auto truncated = [&](std::size_t i) {
    if (i < ts) return imp[i] / static_cast<double>(n) * win[ts + i];
    if (i >= te) return imp[i] / static_cast<double>(n) * win[i - te];
    return 0.0;
  };
  // numpy.roll(imp, int(ntaps / 2 - 1))[:ntaps]
  const long shift = static_cast<long>(static_cast<double>(ntaps) / 2 - 1);
  std::vector<double> out(ntaps);
  for (std::size_t i = 0; i < ntaps; ++i) {
    long j = (static_cast<long>(i) - shift) % static_cast<long>(n);
    if (j < 0) j += static_cast<long>(n);
    out[i] = truncated(static_cast<std::size_t>(j));
  }
  return out;
}

std::vector<double> convolve(std::vector<double> x, const std::vector<double>& fir) {
  const std::size_t n = x.size(), m = fir.size();
  if (m == 0 || n < m) throw std::invalid_argument("convolve: the series is shorter than the filter");
  const std::size_t pad = (m + 1) / 2;
  const std::vector<double> win = window(Window::Hann, m);
  for (std::size_t i = 0; i < pad; ++i) {
    x[i] *= win[i];
    x[n - pad + i] *= win[m - pad + i];
  }
  // Linear convolution, 'same' alignment (output i is full-convolution index i + (m-1)/2),
  // by overlap-save in blocks: the same numbers as gwpy's one-shot or chunked fftconvolve.
  const std::size_t N = goodFftSize(std::max<std::size_t>(8 * m, 4096));
  const std::size_t L = N - m + 1;
  RealFft hf(N);
  std::fill(hf.in(), hf.in() + N, 0.0);
  std::copy(fir.begin(), fir.end(), hf.in());
  hf.forward();
  std::vector<cd> H(hf.spectrum(), hf.spectrum() + N / 2 + 1);
  std::vector<double> y(n);
  const long off = static_cast<long>((m - 1) / 2);
  const std::size_t blocks = (n + L - 1) / L;
  // Blocks are independent: split across the cores, one FFT pair per thread.
  parallelFor(blocks, 4, [&](std::size_t b0, std::size_t b1) {
    RealFft f(N);
    for (std::size_t blk = b0; blk < b1; ++blk) {
      const long s = off + static_cast<long>(blk * L);
      // y_full[s .. s + L) needs x[s - (m - 1) .. s + L)
      const long begin = s - static_cast<long>(m - 1);
      for (std::size_t i = 0; i < N; ++i) {
        const long j = begin + static_cast<long>(i);
        f.in()[i] = (j >= 0 && j < static_cast<long>(n)) ? x[static_cast<std::size_t>(j)] : 0.0;
      }
      f.forward();
      cd* X = f.spectrum();
      for (std::size_t k = 0; k < N / 2 + 1; ++k) X[k] *= H[k];
      f.inverse();
      for (std::size_t i = 0; i < L; ++i) {
        const long o = s + static_cast<long>(i) - off;
        if (o >= static_cast<long>(n)) break;
        y[static_cast<std::size_t>(o)] = f.in()[m - 1 + i] / static_cast<double>(N);
      }
    }
  });
  return y;
}

TimeSeries whiten(const TimeSeries& x, const WhitenOptions& o) {
  requireSeries(x, "whiten");
  WelchOptions w;
  w.fftLength = o.fftLength > 0 ? o.fftLength : defaultFftLength(x.rate);
  w.overlap = o.overlap;
  w.window = o.window;
  w.average = o.average;
  return whiten(x, asd(x, w), o);
}

TimeSeries whiten(const TimeSeries& x, const Spectrum& asdIn, const WhitenOptions& o) {
  requireSeries(x, "whiten");
  const Spectrum a = interpolate(asdIn, 1.0 / x.duration());
  const std::size_t ncorner = o.highpass > 0 ? static_cast<std::size_t>(o.highpass / a.df) : 0;
  const std::size_t ntaps = static_cast<std::size_t>(o.fduration * x.rate);
  if (ntaps > x.values.size())
    throw std::invalid_argument("whiten: the filter (fduration " + std::to_string(o.fduration) +
                                " s) is longer than the series (" + std::to_string(x.duration()) + " s)");
  std::vector<double> transfer(a.values.size());
  for (std::size_t i = 0; i < transfer.size(); ++i) transfer[i] = 1.0 / a.values[i];
  const std::vector<double> tdw = firFromTransfer(transfer, ntaps, ncorner);
  const double mean = std::accumulate(x.values.begin(), x.values.end(), 0.0) / static_cast<double>(x.values.size());
  std::vector<double> in(x.values.size());
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = x.values[i] - mean;
  TimeSeries out;
  out.t0 = x.t0;
  out.rate = x.rate;
  out.channel = x.channel;
  out.values = convolve(std::move(in), tdw);
  const double norm = std::sqrt(2.0 / x.rate);
  for (double& v : out.values) v *= norm;
  out.unit = "whitened";
  return out;
}

// --- IIR ----------------------------------------------------------------------------------

namespace {

struct Zpk {
  std::vector<cd> z, p;
  double k = 1;
};

Zpk buttap(int order) {
  Zpk a;
  for (int m = -order + 1; m < order; m += 2)
    a.p.push_back(-std::exp(cd(0, kPi * m / (2.0 * order))));
  return a;
}

cd prod(const std::vector<cd>& v, cd offset, bool negate) {
  cd r(1, 0);
  for (const cd& x : v) r *= negate ? (offset - x) : (offset + x);
  return r;
}

Zpk bilinear(const Zpk& a, double fs) {
  const double fs2 = 2 * fs;
  Zpk d;
  for (const cd& z : a.z) d.z.push_back((fs2 + z) / (fs2 - z));
  for (const cd& p : a.p) d.p.push_back((fs2 + p) / (fs2 - p));
  for (std::size_t i = a.z.size(); i < a.p.size(); ++i) d.z.push_back(cd(-1, 0));
  d.k = a.k * std::real(prod(a.z, cd(fs2, 0), true) / prod(a.p, cd(fs2, 0), true));
  return d;
}

// Second-order sections: conjugate pole pairs (or two real poles) with two zeros each; an odd
// pole count leaves one first-order section. Zeros here are real (+1 or -1).
Sos toSos(const Zpk& d) {
  std::vector<std::array<double, 3>> den;
  std::vector<double> realPoles;
  for (const cd& p : d.p) {
    if (std::abs(p.imag()) > 1e-12 * std::max(1.0, std::abs(p))) {
      if (p.imag() > 0) den.push_back({1.0, -2.0 * p.real(), std::norm(p)});
    } else {
      realPoles.push_back(p.real());
    }
  }
  for (std::size_t i = 0; i + 1 < realPoles.size(); i += 2)
    den.push_back({1.0, -(realPoles[i] + realPoles[i + 1]), realPoles[i] * realPoles[i + 1]});
  const bool oddPole = realPoles.size() % 2 == 1;
  std::vector<double> plus, minus;
  for (const cd& z : d.z) (z.real() > 0 ? plus : minus).push_back(z.real());
  // Pair zeros: one +1 with one -1 where both exist (band-pass), else two alike.
  std::vector<std::array<double, 3>> num;
  auto take = [](std::vector<double>& v) { double r = v.back(); v.pop_back(); return r; };
  const std::size_t nsec2 = den.size();
  for (std::size_t s = 0; s < nsec2; ++s) {
    double a, b;
    if (!plus.empty() && !minus.empty()) { a = take(plus); b = take(minus); }
    else if (plus.size() >= 2) { a = take(plus); b = take(plus); }
    else { a = take(minus); b = take(minus); }
    num.push_back({1.0, -(a + b), a * b});
  }
  Sos sos;
  for (std::size_t s = 0; s < nsec2; ++s)
    sos.push_back({num[s][0], num[s][1], num[s][2], den[s][0], den[s][1], den[s][2]});
  if (oddPole) {
    const double z = !plus.empty() ? plus.back() : minus.back();
    sos.push_back({1.0, -z, 0.0, 1.0, -realPoles.back(), 0.0});
  }
  for (int i = 0; i < 3; ++i) sos.front()[static_cast<std::size_t>(i)] *= d.k;
  return sos;
}

void checkOrder(int order) {
  if (order < 1 || order > 20) throw std::invalid_argument("Butterworth order must be 1..20, got " + std::to_string(order));
}

double warp(double f, double rate, const char* what) {
  const double wn = 2 * f / rate;
  if (!(wn > 0 && wn < 1))
    throw std::invalid_argument(std::string(what) + " of " + std::to_string(f) + " Hz must lie between 0 and the Nyquist frequency (" +
                                std::to_string(rate / 2) + " Hz)");
  return 4.0 * std::tan(kPi * wn / 2.0);  // scipy: fs = 2, 2 fs tan(pi Wn / fs)
}

}  // namespace

Sos butterLowpass(int order, double cutoff, double rate) {
  checkOrder(order);
  const double wo = warp(cutoff, rate, "low-pass cutoff");
  Zpk a = buttap(order);
  for (cd& p : a.p) p *= wo;
  a.k = std::pow(wo, order);
  return toSos(bilinear(a, 2.0));
}

Sos butterHighpass(int order, double cutoff, double rate) {
  checkOrder(order);
  const double wo = warp(cutoff, rate, "high-pass cutoff");
  Zpk a = buttap(order);
  cd pp(1, 0);
  for (cd& p : a.p) { pp *= -p; p = wo / p; }
  a.k = std::real(cd(1, 0) / pp);
  a.z.assign(static_cast<std::size_t>(order), cd(0, 0));
  return toSos(bilinear(a, 2.0));
}

Sos butterBandpass(int order, double low, double high, double rate) {
  checkOrder(order);
  if (!(low < high)) throw std::invalid_argument("band-pass: the low edge must be below the high edge");
  const double w0 = warp(low, rate, "band-pass low edge"), w1 = warp(high, rate, "band-pass high edge");
  const double bw = w1 - w0, wo = std::sqrt(w0 * w1);
  Zpk lp = buttap(order);
  Zpk bp;
  for (const cd& p : lp.p) {
    const cd pl = p * (bw / 2);
    const cd r = std::sqrt(pl * pl - wo * wo);
    bp.p.push_back(pl + r);
  }
  for (const cd& p : lp.p) {
    const cd pl = p * (bw / 2);
    const cd r = std::sqrt(pl * pl - wo * wo);
    bp.p.push_back(pl - r);
  }
  bp.z.assign(static_cast<std::size_t>(order), cd(0, 0));
  bp.k = std::pow(bw, order);
  return toSos(bilinear(bp, 2.0));
}

Sos iirNotch(double f0, double q, double rate) {
  if (!(f0 > 0 && f0 < rate / 2)) throw std::invalid_argument("notch frequency must lie between 0 and the Nyquist frequency");
  if (!(q > 0)) throw std::invalid_argument("notch quality factor must be positive");
  const double w0 = 2 * f0 / rate;
  const double bw = w0 / q * kPi;
  const double beta = std::tan(bw / 2.0);  // gain at the band edges 1/sqrt(2)
  const double gain = 1.0 / (1.0 + beta);
  const double c = std::cos(w0 * kPi);
  return {{gain, -2.0 * gain * c, gain, 1.0, -2.0 * gain * c, 2.0 * gain - 1.0}};
}

namespace {

// Direct form II transposed, in place, states per section.
void runSos(const Sos& sos, std::vector<double>& x, std::vector<std::array<double, 2>>& z) {
  for (std::size_t s = 0; s < sos.size(); ++s) {
    const auto& c = sos[s];
    double z0 = z[s][0], z1 = z[s][1];
    for (double& v : x) {
      const double in = v;
      const double out = c[0] * in + z0;
      z0 = c[1] * in - c[4] * out + z1;
      z1 = c[2] * in - c[5] * out;
      v = out;
    }
    z[s] = {z0, z1};
  }
}

// scipy.signal.sosfilt_zi: each section's steady state for a unit step, scaled by the gain of
// the sections before it.
std::vector<std::array<double, 2>> sosZi(const Sos& sos) {
  std::vector<std::array<double, 2>> zi(sos.size());
  double scale = 1;
  for (std::size_t s = 0; s < sos.size(); ++s) {
    const auto& c = sos[s];
    const double b0 = c[0], b1 = c[1], b2 = c[2], a1 = c[4], a2 = c[5];
    const double B0 = b1 - a1 * b0, B1 = b2 - a2 * b0;
    const double z0 = (B0 + B1) / (1 + a1 + a2);
    const double z1 = B1 - a2 * z0;
    zi[s] = {z0 * scale, z1 * scale};
    scale *= (b0 + b1 + b2) / (1 + a1 + a2);
  }
  return zi;
}

}  // namespace

std::vector<double> sosfilt(const Sos& sos, const std::vector<double>& x) {
  std::vector<double> y = x;
  std::vector<std::array<double, 2>> z(sos.size(), {0.0, 0.0});
  runSos(sos, y, z);
  return y;
}

std::vector<double> sosfiltfilt(const Sos& sos, const std::vector<double>& x) {
  std::size_t zb = 0, za = 0;
  for (const auto& c : sos) { zb += c[2] == 0; za += c[5] == 0; }
  const std::size_t ntaps = 2 * sos.size() + 1 - std::min(zb, za);
  const std::size_t edge = 3 * ntaps;
  const std::size_t n = x.size();
  if (n <= edge)
    throw std::invalid_argument("filtfilt: the series (" + std::to_string(n) + " samples) must be longer than the padding (" +
                                std::to_string(edge) + ")");
  std::vector<double> ext;
  ext.reserve(n + 2 * edge);
  for (std::size_t i = edge; i >= 1; --i) ext.push_back(2 * x[0] - x[i]);
  ext.insert(ext.end(), x.begin(), x.end());
  for (std::size_t i = 1; i <= edge; ++i) ext.push_back(2 * x[n - 1] - x[n - 1 - i]);
  const auto zi = sosZi(sos);
  auto z = zi;
  for (auto& s : z) { s[0] *= ext.front(); s[1] *= ext.front(); }
  runSos(sos, ext, z);
  std::reverse(ext.begin(), ext.end());
  z = zi;
  for (auto& s : z) { s[0] *= ext.front(); s[1] *= ext.front(); }
  runSos(sos, ext, z);
  std::reverse(ext.begin(), ext.end());
  return std::vector<double>(ext.begin() + static_cast<std::ptrdiff_t>(edge), ext.end() - static_cast<std::ptrdiff_t>(edge));
}

double sosGain(const Sos& sos, double f, double rate) {
  const cd zinv = std::exp(cd(0, -2 * kPi * f / rate));
  cd h(1, 0);
  for (const auto& c : sos) h *= (c[0] + c[1] * zinv + c[2] * zinv * zinv) / (c[3] + c[4] * zinv + c[5] * zinv * zinv);
  return std::abs(h);
}

TimeSeries bandpass(const TimeSeries& x, double low, double high, int order) {
  TimeSeries out = x;
  out.values = sosfiltfilt(butterBandpass(order, low, high, x.rate), x.values);
  return out;
}

TimeSeries highpass(const TimeSeries& x, double cutoff, int order) {
  TimeSeries out = x;
  out.values = sosfiltfilt(butterHighpass(order, cutoff, x.rate), x.values);
  return out;
}

TimeSeries notch(const TimeSeries& x, double f0, double q) {
  TimeSeries out = x;
  out.values = sosfiltfilt(iirNotch(f0, q, x.rate), x.values);
  return out;
}

TimeSeries resample(const TimeSeries& x, double newRate) {
  requireSeries(x, "resample");
  if (!(newRate > 0)) throw std::invalid_argument("resample: the new rate must be positive");
  const std::size_t nx = x.values.size();
  const std::size_t num = static_cast<std::size_t>(std::llround(static_cast<double>(nx) * newRate / x.rate));
  if (num < 2) throw std::invalid_argument("resample: fewer than two samples at the new rate");
  RealFft fin(nx);
  std::copy(x.values.begin(), x.values.end(), fin.in());
  fin.forward();
  RealFft fout(num);
  cd* Y = fout.spectrum();
  std::fill(Y, Y + num / 2 + 1, cd(0, 0));
  const std::size_t N = std::min(num, nx);
  const std::size_t nyq = N / 2 + 1;
  for (std::size_t k = 0; k < nyq; ++k) Y[k] = fin.spectrum()[k];
  if (N % 2 == 0) {
    if (num < nx) Y[N / 2] *= 2.0;
    else if (nx < num) Y[N / 2] *= 0.5;
  }
  // numpy's irfft drops the imaginary part of the Nyquist bin; FFTW's c2r does the same.
  fout.inverse();
  TimeSeries out = x;
  out.rate = newRate;
  out.values.assign(fout.in(), fout.in() + num);
  const double sc = (static_cast<double>(num) / static_cast<double>(nx)) / static_cast<double>(num);
  for (double& v : out.values) v *= sc;
  return out;
}

Spectrogram spectrogram(const TimeSeries& x, double stride, const WelchOptions& o, bool amplitude) {
  requireSeries(x, "spectrogram");
  const std::size_t ns = toSamples(stride, x.rate);
  if (ns < 2 || ns > x.values.size()) throw std::invalid_argument("spectrogram: the stride does not fit the series");
  const std::size_t rows = x.values.size() / ns;
  Spectrogram sg;
  sg.t0 = x.t0;
  sg.dt = static_cast<double>(ns) / x.rate;
  sg.rows = rows;
  WelchOptions w = o;
  if (w.fftLength <= 0) w.fftLength = stride;
  for (std::size_t r = 0; r < rows; ++r) {
    TimeSeries seg;
    seg.rate = x.rate;
    seg.values.assign(x.values.begin() + static_cast<std::ptrdiff_t>(r * ns),
                      x.values.begin() + static_cast<std::ptrdiff_t>((r + 1) * ns));
    Spectrum s = amplitude ? asd(seg, w) : psd(seg, w);
    if (r == 0) {
      sg.cols = s.values.size();
      sg.f0 = s.f0;
      sg.df = s.df;
      sg.values.resize(rows * sg.cols);
    }
    for (std::size_t c = 0; c < sg.cols; ++c) sg.values[r * sg.cols + c] = static_cast<float>(s.values[c]);
  }
  return sg;
}

// --- Q-transform ---------------------------------------------------------------------------

std::vector<double> qPlaneValues(double qMin, double qMax, double mismatch) {
  if (!(qMin > 0 && qMax >= qMin)) throw std::invalid_argument("Q range must satisfy 0 < qmin <= qmax");
  const double deltam = 2 * std::sqrt(mismatch / 3.0);
  const double sqrt2 = std::sqrt(2.0);
  const double cumum = std::log(qMax / qMin) / sqrt2;
  const int nplanes = static_cast<int>(std::max(std::ceil(cumum / deltam), 1.0));
  const double dq = cumum / nplanes;
  std::vector<double> qs;
  for (int i = 0; i < nplanes; ++i) qs.push_back(qMin * std::exp(sqrt2 * dq * (i + 0.5)));
  return qs;
}

namespace {

struct Band {
  double fMin, fMax;
};

// QTiling's frequency range for the whole tiling (shared by all planes).
Band tilingBand(const QOptions& o, const std::vector<double>& qs, double duration, double rate) {
  double fmin = o.fMin, fmax = o.fMax;
  const double qmax = *std::max_element(qs.begin(), qs.end());
  const double qmin = *std::min_element(qs.begin(), qs.end());
  if (fmin <= 0) fmin = 50 * qmax / (2 * kPi * duration);
  const double maxf = rate / 2 / (1 + std::sqrt(11.0) / qmin);
  if (fmax <= 0 || fmax > maxf) fmax = maxf;
  if (!(fmin < fmax))
    throw std::invalid_argument("Q-transform: no frequencies between " + std::to_string(fmin) + " and " +
                                std::to_string(fmax) + " Hz for this duration and Q range (use a longer series)");
  return {fmin, fmax};
}

// gwpy's TimeSeries.fft(): rfft / n with the non-DC bins doubled.
std::vector<cd> oneSidedFft(const std::vector<double>& v) {
  const std::size_t n = v.size();
  RealFft f(n);
  std::copy(v.begin(), v.end(), f.in());
  f.forward();
  std::vector<cd> out(f.spectrum(), f.spectrum() + n / 2 + 1);
  for (std::size_t k = 0; k < out.size(); ++k) out[k] *= (k == 0 ? 1.0 : 2.0) / static_cast<double>(n);
  return out;
}

QPlane planeFromSpectrum(const std::vector<cd>& F, double q, Band band, double t0, double duration, double rate,
                         double mismatch, double sBegin, double sEnd) {
  const double deltam = 2 * std::sqrt(mismatch / 3.0);
  const double qprime = q / std::sqrt(11.0);
  QPlane plane;
  plane.q = q;
  plane.fMin = band.fMin;
  plane.fMax = band.fMax;
  plane.t0 = t0;
  plane.duration = duration;
  const double fcum = std::log(band.fMax / band.fMin) * std::sqrt(2 + q * q) / 2.0;
  const int nfreq = static_cast<int>(std::max(1.0, std::ceil(fcum / deltam)));
  const double fstep = fcum / nfreq;
  const double fstepmin = 1 / duration;
  double last = -1;
  for (int i = 0; i < nfreq; ++i) {
    const double raw = band.fMin * std::exp(2 / std::sqrt(2 + q * q) * (i + 0.5) * fstep);
    const double f = pyFloorDiv(raw, fstepmin) * fstepmin;
    if (f == last) continue;
    last = f;
    const double tcum = duration * 2 * kPi * f / q;
    const std::size_t ntiles = static_cast<std::size_t>(std::pow(2.0, std::ceil(std::log(tcum / deltam) / std::log(2.0))));
    const long half = static_cast<long>((2 * static_cast<long>(f / qprime * duration) + 1 - 1) / 2);
    const std::size_t wsize = static_cast<std::size_t>(2 * half + 1);
    const double norm = static_cast<double>(ntiles) / (duration * rate) * std::sqrt(315 * qprime / (128 * f));
    ComplexFft fft(ntiles);
    cd* buf = fft.data();
    std::fill(buf, buf + ntiles, cd(0, 0));
    const long pad = static_cast<long>(ntiles) - static_cast<long>(wsize);
    const long padLeft = static_cast<long>((pad - 1) / 2.0);
    // padded[padLeft + j] = windowed[j]; ifftshift: out[i] = padded[(i + n/2) % n]
    const long nt = static_cast<long>(ntiles);
    for (long j = 0; j < static_cast<long>(wsize); ++j) {
      const long k = j - half;
      const double x = (static_cast<double>(k) / duration) * qprime / f;
      const double w = (1 - x * x) * (1 - x * x) * norm;
      const long idx = static_cast<long>(std::nearbyint(static_cast<double>(k) + 1 + f * duration));
      cd v = (idx >= 0 && idx < static_cast<long>(F.size())) ? F[static_cast<std::size_t>(idx)] * w : cd(0, 0);
      const long p = padLeft + j;
      long i = (p - nt / 2) % nt;
      if (i < 0) i += nt;
      buf[i] = v;
    }
    fft.inverse();
    QRow row;
    row.frequency = f;
    row.energy.resize(ntiles);
    std::vector<double> e(ntiles);
    for (std::size_t t = 0; t < ntiles; ++t) e[t] = std::norm(buf[t] / static_cast<double>(ntiles));
    std::vector<double> tmp = e;
    const double med = median(tmp);
    for (std::size_t t = 0; t < ntiles; ++t) row.energy[t] = static_cast<float>(e[t] / med);
    const double dx = duration / static_cast<double>(ntiles);
    for (std::size_t t = 0; t < ntiles; ++t) {
      const double time = t0 + dx * static_cast<double>(t);
      if (sBegin >= 0 && (time < sBegin || time >= sEnd)) continue;
      if (row.energy[t] > plane.peakEnergy) {
        plane.peakEnergy = row.energy[t];
        plane.peakTime = time;
        plane.peakFrequency = f;
      }
    }
    plane.rows.push_back(std::move(row));
  }
  return plane;
}

TimeSeries conditionForQ(const TimeSeries& x, const QOptions& o) {
  if (!o.whiten) return x;
  WelchOptions w;
  w.fftLength = o.fftLength > 0 ? o.fftLength : defaultFftLength(x.rate);
  if (std::abs(w.fftLength - x.duration()) < 1e-9) {
    w.overlap = 0;
  } else {
    w.overlap = recommendedOverlap(w.window) * w.fftLength;
  }
  WhitenOptions wo;
  wo.fduration = o.fduration;
  return whiten(x, asd(x, w), wo);
}

}  // namespace

QPlane qPlane(const TimeSeries& x, double q, const QOptions& o) {
  requireSeries(x, "Q-transform");
  const std::vector<double> qs = {q};
  const Band band = tilingBand(o, qs, x.duration(), x.rate);
  return planeFromSpectrum(oneSidedFft(x.values), q, band, x.t0, x.duration(), x.rate, o.mismatch, o.searchBegin,
                           o.searchEnd);
}

QPlane qScan(const TimeSeries& xIn, const QOptions& o) {
  requireSeries(xIn, "Q-transform");
  const TimeSeries x = conditionForQ(xIn, o);
  for (double v : x.values)
    if (!std::isfinite(v)) throw std::invalid_argument("Q-transform: the (whitened) series contains non-finite values");
  const std::vector<double> qs = qPlaneValues(o.qMin, o.qMax, o.mismatch);
  const Band band = tilingBand(o, qs, x.duration(), x.rate);
  const std::vector<cd> F = oneSidedFft(x.values);
  QPlane best;
  bool have = false;
  for (double q : qs) {
    QPlane p = planeFromSpectrum(F, q, band, x.t0, x.duration(), x.rate, o.mismatch, o.searchBegin, o.searchEnd);
    if (!have || p.peakEnergy > best.peakEnergy) {
      best = std::move(p);
      have = true;
    }
  }
  return best;
}

namespace {

// The interpolating cubic spline with not-a-knot ends: what FITPACK's smoothing spline becomes
// with s = 0 (scipy's InterpolatedUnivariateSpline and RectBivariateSpline, which gwpy's
// QGram.interpolate uses). Built once for the abscissae (given, or 0, 1, ..., n-1 for a Q row's
// tiles: no abscissae kept, no search); the second derivatives of any data on them take one
// tridiagonal solve, and a value at a point prepared once is four products. Read outside
// [x0, xn] it continues its end pieces. Fewer than four points: straight lines.
class Spline {
 public:
  struct At {
    std::size_t i = 0;  // the piece [x_i, x_i+1]
    double a = 0, b = 0, c = 0, d = 0;
  };

  explicit Spline(std::vector<double> x) : n_(x.size()), x_(std::move(x)) { eliminate(); }
  static Spline unitSpaced(std::size_t n) { return Spline(n); }

  // The second derivatives at the abscissae for data y.
  void curvature(const double* y, std::vector<double>& m) const {
    m.assign(n_, 0.0);
    if (n_ < 4) return;
    const std::size_t k = n_ - 2;
    for (std::size_t j = 0; j < k; ++j) m[j + 1] = 6 * ((y[j + 2] - y[j + 1]) / h(j + 1) - (y[j + 1] - y[j]) / h(j));
    for (std::size_t j = 1; j < k; ++j) m[j + 1] -= lo_[j] * m[j];
    m[k] /= diag_[k - 1];
    for (std::size_t j = k - 1; j-- > 0;) m[j + 1] = (m[j + 1] - up_[j] * m[j + 2]) / diag_[j];
    m[0] = m[1] * (1 + h(0) / h(1)) - m[2] * h(0) / h(1);
    const double hl = h(n_ - 2), hp = h(n_ - 3);
    m[n_ - 1] = m[n_ - 2] * (1 + hl / hp) - m[n_ - 3] * hl / hp;
  }

  At at(double t) const {
    At w;
    if (n_ == 1) {
      w.a = 1;
      return w;
    }
    if (x_.empty()) {
      w.i = static_cast<std::size_t>(std::clamp(std::floor(t), 0.0, static_cast<double>(n_ - 2)));
    } else {
      const auto up = static_cast<std::size_t>(std::upper_bound(x_.begin(), x_.end(), t) - x_.begin());
      w.i = std::clamp<std::size_t>(up, 1, n_ - 1) - 1;
    }
    const double hi = h(w.i), l = (x(w.i + 1) - t) / hi, r = (t - x(w.i)) / hi;
    w.a = l;
    w.b = r;
    w.c = (l * l * l - l) * hi * hi / 6;
    w.d = (r * r * r - r) * hi * hi / 6;
    return w;
  }

  static double value(const At& w, const double* y, const double* m) {
    if (w.b == 0 && w.c == 0 && w.d == 0) return w.a * y[w.i];
    return w.a * y[w.i] + w.b * y[w.i + 1] + w.c * m[w.i] + w.d * m[w.i + 1];
  }

 private:
  explicit Spline(std::size_t n) : n_(n) { eliminate(); }
  double x(std::size_t i) const { return x_.empty() ? static_cast<double>(i) : x_[i]; }
  double h(std::size_t i) const { return x_.empty() ? 1.0 : x_[i + 1] - x_[i]; }

  // Unknowns M1..M(n-2); M0 and M(n-1) eliminated by the not-a-knot conditions (third
  // derivative continuous at x1 and x(n-2)). Tridiagonal, eliminated once here (Thomas).
  void eliminate() {
    if (n_ < 4) return;
    const std::size_t k = n_ - 2;
    lo_.resize(k);
    diag_.resize(k);
    up_.resize(k);
    for (std::size_t j = 0; j < k; ++j) {
      lo_[j] = h(j);
      diag_[j] = 2 * (h(j) + h(j + 1));
      up_[j] = h(j + 1);
    }
    diag_[0] += h(0) * (1 + h(0) / h(1));  // M0 = M1 (1 + h0/h1) - M2 h0/h1
    up_[0] -= h(0) * h(0) / h(1);
    const double hl = h(n_ - 2), hp = h(n_ - 3);
    diag_[k - 1] += hl * (1 + hl / hp);
    lo_[k - 1] -= hl * hl / hp;
    for (std::size_t j = 1; j < k; ++j) {
      lo_[j] /= diag_[j - 1];
      diag_[j] -= lo_[j] * up_[j - 1];
    }
  }

  std::size_t n_;
  std::vector<double> x_, lo_, diag_, up_;
};

}  // namespace

Spectrogram qImage(const QPlane& plane, std::size_t timeBins, std::size_t freqBins, double tBegin, double tEnd) {
  if (plane.rows.empty() || timeBins == 0 || freqBins < 2) throw std::invalid_argument("qImage: empty plane or grid");
  if (tBegin < 0 || tEnd <= tBegin) {
    tBegin = plane.t0;
    tEnd = plane.t0 + plane.duration;
  }
  Spectrogram img;
  img.t0 = tBegin;
  img.dt = (tEnd - tBegin) / static_cast<double>(timeBins);
  img.rows = timeBins;
  img.cols = freqBins;
  img.values.assign(timeBins * freqBins, 0.f);
  const double lf0 = std::log(plane.fMin), lf1 = std::log(plane.fMax);
  for (std::size_t c = 0; c < freqBins; ++c)
    img.frequencies.push_back(std::exp(lf0 + (lf1 - lf0) * static_cast<double>(c) / static_cast<double>(freqBins - 1)));
  // As gwpy's QGram.interpolate: each row's tiles splined in time and read at the image's times
  // (a column's value is at its start time), then each column splined across the rows' centre
  // frequencies (linear in Hz) and read at the image's log-spaced frequencies; below the first
  // row and above the last the edge row's value (FITPACK clamps there).
  const std::size_t nr = plane.rows.size();
  std::vector<std::vector<double>> rowAt(nr, std::vector<double>(timeBins));
  parallelFor(nr, 4, [&](std::size_t r0, std::size_t r1) {
    std::vector<double> y, m;
    for (std::size_t r = r0; r < r1; ++r) {
      const auto& e = plane.rows[r].energy;
      const double dx = plane.duration / static_cast<double>(e.size());
      auto pos = [&](std::size_t t) { return (tBegin + static_cast<double>(t) * img.dt - plane.t0) / dx; };
      // The tiles the image reads and 40 on each side: a cubic spline's dependence on a point k
      // tiles away falls as 0.27^k, so beyond 40 it is below double precision; a row of an hour
      // has hundreds of thousands of tiles.
      const double lo = std::floor(std::min(pos(0), pos(timeBins - 1))) - 40, hi = std::ceil(std::max(pos(0), pos(timeBins - 1))) + 40;
      const auto last = static_cast<double>(e.size() - 1);
      const auto i0 = static_cast<std::size_t>(std::clamp(lo, 0.0, last)), i1 = static_cast<std::size_t>(std::clamp(hi, 0.0, last));
      y.assign(e.begin() + static_cast<std::ptrdiff_t>(i0), e.begin() + static_cast<std::ptrdiff_t>(i1) + 1);
      const Spline row = Spline::unitSpaced(y.size());
      row.curvature(y.data(), m);
      for (std::size_t t = 0; t < timeBins; ++t)
        rowAt[r][t] = Spline::value(row.at(pos(t) - static_cast<double>(i0)), y.data(), m.data());
    }
  });
  std::vector<double> rowFreq(nr);
  for (std::size_t r = 0; r < nr; ++r) rowFreq[r] = plane.rows[r].frequency;
  const Spline across(rowFreq);
  std::vector<Spline::At> at(freqBins);
  for (std::size_t c = 0; c < freqBins; ++c) at[c] = across.at(std::clamp(img.frequencies[c], rowFreq.front(), rowFreq.back()));
  parallelFor(timeBins, 64, [&](std::size_t t0, std::size_t t1) {
    std::vector<double> column(nr), m;
    for (std::size_t t = t0; t < t1; ++t) {
      for (std::size_t r = 0; r < nr; ++r) column[r] = rowAt[r][t];
      across.curvature(column.data(), m);
      for (std::size_t c = 0; c < freqBins; ++c)
        img.values[t * freqBins + c] = static_cast<float>(Spline::value(at[c], column.data(), m.data()));
    }
  });
  return img;
}

double match(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("match: series of different lengths");
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  if (aa <= 0 || bb <= 0) return 0;
  return ab / std::sqrt(aa * bb);
}

}  // namespace tf::signal
