// GW signal-processing and denoiser timings for bench/gw_bench.sh. Reads the same raw float64
// file the Python peers read (bench/gw_peer.py), so both do the same work.
//   gw_bench asd    FILE RATE          Welch median ASD, 4 s segments, 2 s overlap, Hann
//   gw_bench whiten FILE RATE          gwpy's whiten defaults (2 s ASD segments, 2 s filter)
//   gw_bench qscan  FILE RATE SECONDS  gwpy's q_transform: whitening, the Q tiling, the image
//   gw_bench denoise RATE WIDTH THREADS  the 1-D U-Net on 1 s windows: strain seconds per second
// Prints "<name>: <ms> ms" lines (best of 3 in-process repeats after one warm-up).
#include "Denoiser.h"
#include "signal/Signal.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>

using namespace tf;

namespace {
signal::TimeSeries readRaw(const std::string& path, double rate) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  f.seekg(0, std::ios::end);
  signal::TimeSeries x;
  x.rate = rate;
  x.values.resize(static_cast<std::size_t>(f.tellg()) / 8);
  f.seekg(0);
  f.read(reinterpret_cast<char*>(x.values.data()), static_cast<std::streamsize>(x.values.size() * 8));
  return x;
}

double bestMs(const std::function<void()>& fn, int repeats = 3) {
  fn();  // warm-up (FFTW plans, caches)
  double best = 1e300;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}
volatile double sink = 0;
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: gw_bench asd|whiten|qscan FILE RATE [SECONDS] | denoise RATE WIDTH THREADS\n";
    return 2;
  }
  const std::string what = argv[1];
  if (what == "denoise") {
    const double rate = std::stod(argv[2]);
    const int width = std::stoi(argv[3]);
    torch::set_num_threads(argc > 4 ? std::stoi(argv[4]) : 1);
    gw::UNetSpec s;
    s.width = width;
    gw::UNet1d net(s);
    net->eval();
    torch::NoGradGuard ng;
    const long L = static_cast<long>(rate);
    const at::Tensor x = torch::randn({32, 1, L});
    const double ms = bestMs([&] { sink = net->forward(x).sum().item<double>(); });
    // Half-overlapping windows: each second of strain is computed twice.
    std::printf("denoise width %d (%lld parameters): %.1f ms per 32 windows, %.0f s of strain per second\n", width,
                static_cast<long long>(gw::parameterCount(*net)), ms, 32.0 / 2 / (ms / 1000));
    return 0;
  }
  const signal::TimeSeries x = readRaw(argv[2], std::stod(argv[3]));
  if (what == "asd") {
    signal::WelchOptions o;
    o.fftLength = 4;
    o.overlap = 2;
    const double ms = bestMs([&] { sink = signal::asd(x, o).values[100]; });
    std::printf("asd: %.1f ms for %.0f s\n", ms, x.duration());
  } else if (what == "whiten") {
    const double ms = bestMs([&] { sink = signal::whiten(x).values[1000]; });
    std::printf("whiten: %.1f ms for %.0f s\n", ms, x.duration());
  } else if (what == "qscan") {
    const double secs = argc > 4 ? std::stod(argv[4]) : 64;
    const signal::TimeSeries part = x.crop(x.t0, x.t0 + secs);
    const double ms = bestMs([&] {
      const signal::QPlane p = signal::qScan(part);
      // gwpy's default output grid: 1000 times, 0.5 Hz rows over the plane's band
      const auto rows = static_cast<std::size_t>((p.fMax - p.fMin) / 0.5);
      sink = signal::qImage(p, 1000, rows).values[10];
    });
    std::printf("qscan: %.1f ms for %.0f s\n", ms, part.duration());
  } else {
    std::cerr << "unknown benchmark " << what << "\n";
    return 2;
  }
  return 0;
}
