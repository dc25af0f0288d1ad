// Detector strain in HDF5, as GWOSC (formerly LOSC) publishes it, and plain HDF5 series: the
// one owner of the format. The GW plugin, `twinforge-run info` and the strain viewer read here.
// Qt- and torch-free.
//
// GWOSC layout (files H-H1_GWOSC_4KHZ_R1-1126257415-4096.hdf5, older L-L1_LOSC_4_V1-…):
//   /strain/Strain          float64 (N); attributes Xstart (GPS), Xspacing (s), Npoints,
//                           Xunits "second", Xlabel, Yunits; /strain/GWOSCmeta the channel
//   /meta/GPSstart, Duration (integers), Detector "H1", Observatory "H", Description,
//         DescriptionURL, Type, UTCstart (scalar datasets)
//   /quality/simple/DQmask  int32 bit mask at 1 Hz (attributes as Strain), DQShortnames and
//                           DQDescriptions (one string per bit)
//   /quality/injections/Injmask, InjShortnames, InjDescriptions (same)
// Gaps are NaN in the strain (and bit 0, DATA, unset). Plain files: one 1-D numeric dataset with
// a start (Xstart, x0, t0 or epoch) and a spacing (Xspacing, dx) or rate (sample_rate, fs).
#pragma once

#include "signal/Signal.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tf::data {

// A bit-mask series (1 Hz in GWOSC files) with a name and description per bit.
struct BitMask {
  double t0 = 0, dt = 1;
  std::vector<std::uint32_t> mask;
  std::vector<std::string> shortnames, descriptions;
  // Segments [begin, end) in GPS seconds where `bit` is set.
  std::vector<std::pair<double, double>> segments(int bit) const;
  // Seconds with `bit` set.
  double secondsSet(int bit) const;
};

enum class StrainLayout { Gwosc, Losc, Plain };
const char* strainLayoutName(StrainLayout l);  // "GWOSC", "LOSC", "plain HDF5"

struct StrainData {
  signal::TimeSeries strain;  // t0 = Xstart, rate = 1 / Xspacing, channel "H1:GWOSC-4KHZ_R1_STRAIN"
  std::string detector;       // "H1"; "" when unknown
  std::string observatory;    // "H"
  std::string description;
  StrainLayout layout = StrainLayout::Gwosc;
  BitMask quality;     // DQmask; empty for plain files
  BitMask injections;  // Injmask
  // Runs of finite samples [begin, end) in GPS seconds (gaps are NaN).
  std::vector<std::pair<double, double>> dataSegments() const;
};

// GWOSC's or LOSC's layout, a plain series, or neither (false); throws only for a file that
// cannot be opened.
bool isStrainFile(const std::string& path);
// Reads and checks the file: strain present and one-dimensional, attributes numeric and sane
// (positive spacing, Npoints matching), masks of the duration. Throws std::runtime_error naming
// the file, the dataset or attribute and what was expected. `dataset` picks a plain file's series.
StrainData readStrain(const std::string& path, const std::string& dataset = "");
// Writes GWOSC's layout (or LOSC's older attribute set: no GWOSCmeta datasets, "LOSC" URLs).
// Atomic: written beside the target and renamed.
void writeStrain(const std::string& path, const StrainData& d);
// GWOSC's file name: "H-H1_GWOSC_4KHZ_R1-1126257415-4096.hdf5" (LOSC: "H-H1_LOSC_4_V1-…").
std::string strainFileName(const StrainData& d);
// The bits GWOSC uses in O1/O2 files (DATA, CBC_CAT1..3, BURST_CAT1..3; NO_*_HW_INJ).
BitMask gwoscQualityBits(double t0, std::size_t seconds);
BitMask gwoscInjectionBits(double t0, std::size_t seconds);
// What `twinforge-run info` prints: detector, GPS span, rate, samples, gaps, data quality.
std::string describeStrain(const StrainData& d);

}  // namespace tf::data
