// Shower-file read throughput of the calorimeter plugin's reader (plugins/calo/CaloData.cpp,
// what calo.ShowerReader runs): reads every event of FILE into memory REPS times and prints
// the median.   calo_read_bench FILE [REPS]
#include "CaloData.h"
#include "exec/Allocator.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <ATen/ATen.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: calo_read_bench FILE [REPS]\n");
    return 2;
  }
  const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
  tf::tuneAllocatorForTraining();  // as twinforge-run does: huge pages for large tensors
  std::vector<double> secs;
  std::int64_t events = 0, bytes = 0;
  double checksum = 0;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const tf::calo::Showers s = tf::calo::readShowers(argv[1]);
    secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    events = s.events();
    bytes = s.cells.numel() * 4;
    checksum = s.cells.sum().item<double>();
  }
  std::sort(secs.begin(), secs.end());
  const double m = secs[secs.size() / 2];
  std::printf("twinforge read %lld events in %.3f s: %.0f MB/s (sum of cells %.6g)\n", static_cast<long long>(events), m,
              bytes / m / 1e6, checksum);
}
