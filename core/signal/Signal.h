// Signal processing for detector strain, with gwpy's conventions as defaults so results compare
// with what gravitational-wave analysts run (gwpy's TimeSeries.asd/whiten/q_transform, scipy's
// welch/butter/sosfiltfilt/iirnotch/resample). Qt- and torch-free; FFTs by Debian's FFTW.
// The agreement with scipy and gwpy is tested in tests/core/signal (tolerances stated there
// and in docs/gw.md).
#pragma once

#include <array>
#include <complex>
#include <cstddef>
#include <string>
#include <vector>

namespace tf::signal {

// A regularly sampled series with its GPS start, as gwpy's TimeSeries carries it.
struct TimeSeries {
  double t0 = 0;    // GPS seconds of the first sample
  double rate = 0;  // samples per second
  std::string unit = "strain";
  std::string channel;  // "H1:GWOSC-4KHZ_R1_STRAIN"
  std::vector<double> values;
  double dt() const { return 1.0 / rate; }
  double duration() const { return static_cast<double>(values.size()) / rate; }
  double end() const { return t0 + duration(); }
  // Samples [t0 + a, t0 + b) with the start moved; clamped to the series.
  TimeSeries crop(double gpsBegin, double gpsEnd) const;
};

// numpy's rfft (unnormalised) and irfft (normalised by 1/n): FFTW, planned under one lock.
std::vector<std::complex<double>> rfft(const std::vector<double>& x);
std::vector<double> irfft(const std::vector<std::complex<double>>& X, std::size_t n);

// A one-sided spectrum on frequencies f0 + k * df (PSD in unit^2/Hz, ASD in unit/sqrt(Hz)).
struct Spectrum {
  double f0 = 0, df = 0;
  std::vector<double> values;
  double frequency(std::size_t k) const { return f0 + df * static_cast<double>(k); }
  double at(double f) const;  // linear interpolation, clamped at the ends
};

enum class Window { Hann, Hamming, Rectangular };
Window windowFromName(const std::string& name);  // hann|hanning|hamming|boxcar|rectangular; throws naming them
const char* windowName(Window w);
// scipy.signal.get_window's values: periodic (fftbins=True) unless `symmetric`.
std::vector<double> window(Window w, std::size_t n, bool symmetric = false);
double recommendedOverlap(Window w);  // fraction of a segment (gwpy's table): 0.5 Hann/Hamming, 0 boxcar

enum class Average { Mean, Median };

// Welch's method as scipy.signal.welch (density scaling, one-sided, constant detrend per
// segment, median average with scipy's bias correction); gwpy's defaults for TimeSeries.asd:
// one segment of the whole series unless `fftLength` is given, overlap the window's
// recommended fraction, Hann, median.
struct WelchOptions {
  double fftLength = 0;  // seconds; 0: the whole series (gwpy's asd default)
  double overlap = -1;   // seconds; negative: the window's recommended overlap
  Window window = Window::Hann;
  Average average = Average::Median;
};
double defaultFftLength(double rate);  // gwpy's for whiten and q_transform: max(2, ceil(2048 / rate)) s
Spectrum psd(const TimeSeries& x, const WelchOptions& o = {});
Spectrum asd(const TimeSeries& x, const WelchOptions& o = {});
// Linear interpolation to a new resolution, as gwpy's FrequencySeries.interpolate.
Spectrum interpolate(const Spectrum& s, double df);

// Inverse spectrum truncation (gwpy.signal.filter_design.fir_from_transfer): an FIR filter of
// `ntaps` taps from a one-sided transfer function, highpassed below bin `ncorner`.
std::vector<double> firFromTransfer(const std::vector<double>& transfer, std::size_t ntaps, std::size_t ncorner = 0);
// Same-length convolution with the first and last half-filter tapered (gwpy's convolve).
std::vector<double> convolve(std::vector<double> x, const std::vector<double>& fir);

// gwpy's TimeSeries.whiten: ASD by Welch (overlap 0 by default, as gwpy), FIR of `fduration`
// seconds by inverse spectrum truncation, applied by convolution, scaled by sqrt(2 dt) so
// stationary Gaussian noise comes out with unit variance. `fduration / 2` at each end is
// corrupted by the filter's settling, as in gwpy.
struct WhitenOptions {
  double fftLength = 0;  // seconds; 0: gwpy's default
  double overlap = 0;    // seconds
  Window window = Window::Hann;
  Average average = Average::Median;
  double fduration = 2;  // seconds
  double highpass = 0;   // Hz; 0: none
};
TimeSeries whiten(const TimeSeries& x, const WhitenOptions& o = {});
TimeSeries whiten(const TimeSeries& x, const Spectrum& asd, const WhitenOptions& o = {});

// IIR filters as second-order sections (b0 b1 b2 a0 a1 a2 per row, a0 = 1).
using Sos = std::vector<std::array<double, 6>>;
// Digital Butterworth designs (scipy.signal.butter(..., output='sos'), same poles, zeros and gain).
Sos butterLowpass(int order, double cutoff, double rate);
Sos butterHighpass(int order, double cutoff, double rate);
Sos butterBandpass(int order, double low, double high, double rate);
// A second-order notch (scipy.signal.iirnotch): -3 dB width f0 / q.
Sos iirNotch(double f0, double q, double rate);
// Causal filtering (scipy.signal.sosfilt, zero initial state).
std::vector<double> sosfilt(const Sos& sos, const std::vector<double>& x);
// Zero-phase forward-backward filtering with scipy.signal.sosfiltfilt's odd extension and
// steady-state initial conditions.
std::vector<double> sosfiltfilt(const Sos& sos, const std::vector<double>& x);
// Frequency response magnitude at f Hz.
double sosGain(const Sos& sos, double f, double rate);

TimeSeries bandpass(const TimeSeries& x, double low, double high, int order = 8);
TimeSeries highpass(const TimeSeries& x, double cutoff, int order = 8);
TimeSeries notch(const TimeSeries& x, double f0, double q = 30);

// Fourier resampling (scipy.signal.resample) to a new rate; the length becomes
// round(n * newRate / rate).
TimeSeries resample(const TimeSeries& x, double newRate);

// A spectrogram: ASD (or PSD) by Welch in each `stride` seconds, rows in time.
struct Spectrogram {
  double t0 = 0, dt = 0;      // time of row 0 and row spacing
  double f0 = 0, df = 0;      // frequency of column 0 and spacing (linear), when `frequencies` is empty
  std::vector<double> frequencies;  // explicit column frequencies (Q-transform's log axis)
  std::size_t rows = 0, cols = 0;
  std::vector<float> values;  // rows x cols
  float at(std::size_t r, std::size_t c) const { return values[r * cols + c]; }
  double frequency(std::size_t c) const { return frequencies.empty() ? f0 + df * c : frequencies[c]; }
};
Spectrogram spectrogram(const TimeSeries& x, double stride, const WelchOptions& o = {}, bool amplitude = true);

// The constant-Q transform of gwpy (Omega's tiling): planes of constant Q spaced by `mismatch`
// in [qMin, qMax], tiles per plane and frequency, energies normalised by their median.
struct QOptions {
  double qMin = 4, qMax = 64;
  double fMin = 0, fMax = 0;  // 0: gwpy's defaults (50 q / (2 pi T) and the Nyquist bound)
  double mismatch = 0.2;
  bool whiten = true;         // whiten first (gwpy's default), with an ASD of `fftLength`
  double fftLength = 0;       // seconds; 0: gwpy's default
  double fduration = 2;
  double searchBegin = -1, searchEnd = -1;  // GPS window in which the loudest plane is chosen
};
struct QRow {
  double frequency;
  std::vector<float> energy;  // normalised energy, `energy.size()` tiles across the duration
};
struct QPlane {
  double q = 0;
  double fMin = 0, fMax = 0;
  double t0 = 0, duration = 0;
  std::vector<QRow> rows;
  float peakEnergy = 0;
  double peakTime = 0, peakFrequency = 0;
};
// All planes' Q values (gwpy's QTiling.qs) for a duration and rate.
std::vector<double> qPlaneValues(double qMin, double qMax, double mismatch);
// One plane of the raw (already whitened or not) data.
QPlane qPlane(const TimeSeries& x, double q, const QOptions& o);
// The loudest plane over the tiling (gwpy's q_scan), whitening first when o.whiten.
QPlane qScan(const TimeSeries& x, const QOptions& o = {});
// The plane on a regular grid: `timeBins` columns over [t0, t0 + duration) (each column's value
// at its start time), `freqBins` log-spaced frequencies across the plane's band; interpolated as
// gwpy's QGram.interpolate(logf=True) does: an interpolating cubic spline per row in time, then
// one across the rows in frequency (Hz), the edge rows' values beyond them.
Spectrogram qImage(const QPlane& plane, std::size_t timeBins, std::size_t freqBins, double tBegin = -1,
                   double tEnd = -1);

// Normalised overlap <a, b> / sqrt(<a, a><b, b>) of two equally long series (time domain,
// white weighting): 1 for identical shapes, 0 for orthogonal ones.
double match(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace tf::signal
