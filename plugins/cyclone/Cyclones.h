// The tropical-cyclone twin's torch-free science: the synthetic climate (a background with a
// latitude-dependent state and smooth noise, moving Holland vortices with a warm core, cold-core
// mid-latitude lows as distractors), the TempestExtremes-style detector (DetectNodes +
// StitchNodes), and the scores CMCC reports (centre error, probability of detection, false-alarm
// rate). Shared by the plugin's components, the field viewer and the tests.
#pragma once

#include "data/ClimateFile.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace tf::cyclone {

using climate::Field;
using climate::Track;
using climate::TrackPoint;

constexpr double kEarthRadiusKm = 6371.0;
// Great-circle distance (haversine), degrees in, km out.
double greatCircleKm(double lat1, double lon1, double lat2, double lon2);
inline double greatCircleDeg(double lat1, double lon1, double lat2, double lon2) {
  return greatCircleKm(lat1, lon1, lat2, lon2) / (kEarthRadiusKm * 3.14159265358979323846 / 180);
}

// ---- synthetic climate ------------------------------------------------------------------
struct SyntheticConfig {
  double latMin = 0, latMax = 40, lonMin = 100, lonMax = 180, resolution = 0.25;  // degrees
  std::int64_t days = 10;
  std::int64_t stepsPerDay = 4;
  std::int64_t cyclones = 8;      // tropical cyclones over the period
  std::int64_t coldLows = 3;      // cold-core mid-latitude lows (no warm core): distractors
  std::string start = "2000-09-01 00:00";
  std::uint64_t seed = 1;
};

struct SyntheticClimate {
  std::vector<double> lat, lon;      // ascending; lon continuous from the western edge (as ClimateFile reads it)
  std::vector<std::string> times;    // ISO
  std::vector<double> timeOffsets;   // hours since 1900-01-01
  // (time, lat, lon) for msl [Pa], fg10 [m/s], t_500 [K], t_300 [K]
  std::vector<climate::WriteVariable> variables;
  std::vector<Track> tracks;          // the tropical cyclones, one point per step they live
};
SyntheticClimate makeSyntheticClimate(const SyntheticConfig& cfg,
                                      const std::function<void(double)>& progress = {});

// ---- TempestExtremes-style detection ----------------------------------------------------
struct BaselineConfig {
  std::string pressure = "msl";
  std::vector<std::string> warmCore = {"t_300", "t_500"};  // averaged, as _AVG(T200,T500)
  double mergeDeg = 6.0;          // --mergedist
  double pressureRise = 200.0;    // Pa: closed contour of msl ...
  double pressureDistDeg = 5.5;   // ... within this great-circle distance
  double warmCoreDrop = 0.4;      // K: the warm core falls by this ...
  double warmCoreDistDeg = 8.0;   // ... within this distance of its maximum ...
  double warmCoreSearchDeg = 1.1; // ... found within this distance of the candidate
  double maxLatitude = 50;        // |lat| of candidates
  bool diagonal = false;          // --diag_connect
  double stitchRangeDeg = 8.0;    // StitchNodes --range
  double minHours = 54;           // --mintime
  double maxGapHours = 24;        // --maxgap
};

struct Node {
  std::size_t step = 0;
  double lat = 0, lon = 0, msl = 0, score = 1;
};

struct GridView {
  const std::vector<double>& lat;
  const std::vector<double>& lon;
  bool periodic = false;  // longitude covers the globe
  bool diagonal = false;  // 8 neighbours per cell instead of 4 (TempestExtremes' --diag_connect)
};

// DetectNodes on one time step: msl minima, merged, kept by the two closed contours.
// `warm` is the averaged upper-level temperature (NaN-free where used).
std::vector<Node> detectNodes(const GridView& g, const Field& msl, const Field& warm, const BaselineConfig& cfg,
                              std::size_t step);
// The closed-contour test itself (TempestExtremes' semantics): flooding from (i0, j0) through
// cells whose value (sign * v) stays below sign * v0 + delta, every cell reached — the first
// ones past the rise included — lies within distDeg. Exposed for tests.
bool closedContour(const GridView& g, const Field& f, std::size_t i0, std::size_t j0, double delta, double distDeg,
                   double sign);
// StitchNodes: nodes per step (hours between steps) into tracks within rangeDeg, kept when they
// last minHours; gaps up to maxGapHours bridged.
std::vector<Track> stitchNodes(const std::vector<std::vector<Node>>& perStep, const std::vector<std::string>& times,
                               double hoursPerStep, double rangeDeg, double minHours, double maxGapHours,
                               const std::string& idPrefix);

// NAME.tracks.csv beside NAME.nc: where cyclone.Synthetic writes the true tracks.
std::filesystem::path tracksFileFor(const std::filesystem::path& fieldsFile);
GridView gridOf(const climate::ClimateFile& f);  // periodic when the longitudes go round the globe
double hoursBetweenSteps(const climate::ClimateFile& f);
// The ISO time of each step; one placeholder for a file without a time axis.
std::vector<std::string> stepTimes(const climate::ClimateFile& f);

// ---- scores -------------------------------------------------------------------------------
struct DetectionScores {
  std::int64_t truePoints = 0, detections = 0, hits = 0;
  double pod = 0, far = 0;
  double medianErrorKm = 0, meanErrorKm = 0;
  std::int64_t trueTracks = 0, tracksFound = 0;  // a true track is found when half its points are hit
};
// Detections and truth matched per time step, nearest first, within matchKm.
DetectionScores scoreDetections(const std::vector<Track>& truth, const std::vector<Track>& found, double matchKm);

}  // namespace tf::cyclone
