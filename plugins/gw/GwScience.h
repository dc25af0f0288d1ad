// The gravitational-wave twin's torch-free science: an advanced-detector noise curve, coloured
// Gaussian noise that follows it, post-Newtonian inspiral chirps, the glitch families detector
// characterisation meets (blips, scattered-light arches, whistles), and a seeded synthetic data
// set written as GWOSC files. Used by the plugin's steps, the strain viewer and the tests.
#pragma once

#include "data/StrainFile.h"
#include "signal/Signal.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tf::gw {

// How the twin whitens, shared by gw.Whiten's defaults and the strain viewer (whose whitened
// view then matches what the pipeline trained on): median ASD of 4 s Hann segments overlapping
// by 2 s, gwpy's 2 s FIR filter, a high-pass corner at 15 Hz.
struct TwinWhitening {
  double fftLength = 4, overlap = 2, fduration = 2, highpass = 15;
  // The same, shortened to fit a series under 16 s (segments and filter at most a quarter of it).
  TwinWhitening fitted(double duration) const;
  signal::WelchOptions welch() const;
  signal::WhitenOptions whiten() const;
};

// One-sided PSD (1/Hz) of an advanced LIGO design sensitivity, the analytic fit of Ajith (2011,
// arXiv:1107.1267 eq. 4.7): S0 [x^-4.14 - 5 x^-2 + 111 (1 - x^2 + x^4/2) / (1 + x^2/2)],
// x = f / 215 Hz, S0 = 1e-49; held at its 10 Hz value below `fLow` (the seismic wall is
// steeper still; holding it keeps whitening filters finite).
double designPsd(double f, double fLow = 10.0);

// Stationary Gaussian noise with the design PSD, synthesised in the frequency domain.
std::vector<double> colouredNoise(double rate, std::size_t n, std::uint64_t seed, double fLow = 10.0);

// Optimal SNR of `h` (a short stretch at `rate`) against the design PSD above fLow:
// rho^2 = 4 sum |h~(f)|^2 / S(f) df.
double optimalSnr(const std::vector<double>& h, double rate, double fLow = 15.0);

enum class EventKind { Chirp, Blip, Scatter, Whistle };
const char* eventKindName(EventKind k);
EventKind eventKindFromName(const std::string& name);

struct Event {
  EventKind kind;
  double gps = 0;       // chirps: coalescence; glitches: centre
  double snr = 0;       // optimal SNR against the design curve
  double duration = 0;  // seconds of signal (chirps: from fLow to coalescence)
  double frequency = 0; // chirps: end frequency; glitches: central frequency
  double chirpMass = 0; // solar masses (chirps)
};

// A leading-order post-Newtonian inspiral from `fLow` to the innermost stable orbit of an
// equal-mass binary of this chirp mass, amplitude ~ f^(2/3), tapered in and out; unit peak.
// Samples relative to coalescence are placed so that sample index `tcIndex` is coalescence.
std::vector<double> chirp(double chirpMass, double rate, double fLow, double phase, std::size_t* tcIndex,
                          double* endFrequency = nullptr);
// Glitch shapes (unit peak), centred in the returned stretch.
std::vector<double> blip(double f0, double q, double rate, double phase);
std::vector<double> scatterArches(double fMax, double period, int arches, double rate);
std::vector<double> whistle(double fHigh, double fLow, double duration, double rate);

struct SyntheticConfig {
  double rate = 4096;
  double duration = 256;   // seconds
  double gpsStart = 1187008000;
  std::string detector = "H1";
  double chirpsPerMinute = 6;
  double glitchesPerMinute = 6;
  double snrMin = 10, snrMax = 30;           // chirps
  double glitchSnrMin = 10, glitchSnrMax = 50;
  double chirpMassMin = 10, chirpMassMax = 30;  // solar masses
  double fLow = 20;                             // Hz, where chirps enter
  std::uint64_t seed = 1;
};

struct SyntheticStrain {
  data::StrainData noisy;        // noise + chirps + glitches (GWOSC file)
  signal::TimeSeries clean;      // chirps only: what a perfect denoiser returns
  std::vector<Event> events;     // sorted by time
};

SyntheticStrain makeSyntheticStrain(const SyntheticConfig& c, const std::function<void(double)>& progress = {});

// The file names beside a noisy file: NAME.clean.hdf5 (the injected chirps, GWOSC layout,
// channel ...:INJECTED) and NAME.events.csv.
std::string cleanFileFor(const std::string& noisyFile);
std::string eventsFileFor(const std::string& noisyFile);
void writeEvents(const std::string& path, const std::vector<Event>& events);
// Throws naming the file and line for a malformed table.
std::vector<Event> readEvents(const std::string& path);

}  // namespace tf::gw
