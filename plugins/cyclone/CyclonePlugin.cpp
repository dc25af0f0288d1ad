// plugins/cyclone: the tropical-cyclone digital twin (CMCC's use case in interTwin). This file:
// cyclone.Synthetic (offline ERA5-like fields with true tracks), cyclone.Baseline (the
// TempestExtremes recipe, no ML), cyclone.Evaluate (centre error, POD, FAR, report.json) and
// `twinforge-run info` for netCDF fields and track tables. The CNN is in Cnn.cpp.
#include "CycloneComponents.h"
#include "Cyclones.h"

#include "exec/Component.h"
#include "exec/ParamDecls.h"
#include "io/AtomicFile.h"
#include "io/Recipe.h"
#include "registry/Plugin.h"
#include "registry/Registry.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

namespace fs = std::filesystem;

namespace tf::cyclone {

namespace {

// ---- cyclone.Synthetic ---------------------------------------------------------------------
struct SyntheticParams : SyntheticConfig {
  SyntheticParams() {}  // not an aggregate: GCC 12 misreads Config{} of one with a base (-Wmaybe-uninitialized)
  std::string file = "data/cyclones.nc";
  std::string format = "netcdf4";
  bool overwrite = false;
};

const ParamDecls<SyntheticParams>& syntheticParams() {
  static const ParamDecls<SyntheticParams> d = [] {
    using P = SyntheticParams;
    ParamDecls<P> d;
    d.path("file", &P::file).withDoc("Output netCDF file; the true tracks go beside it as NAME.tracks.csv");
    d.choice("format", &P::format, {"netcdf4", "netcdf3", "netcdf3-64bit"})
        .withDoc("netCDF-4/HDF5, or netCDF-3 classic / 64-bit offset; variables packed as int16 like ERA5");
    d.add<double>("lat_min", &P::latMin).range(-90, 90).withUnit("deg").withDoc("Southern edge of the grid");
    d.add<double>("lat_max", &P::latMax).range(-90, 90).withUnit("deg").withDoc("Northern edge of the grid");
    d.add<double>("lon_min", &P::lonMin).range(-180, 360).withUnit("deg").withDoc("Western edge (degrees east)");
    d.add<double>("lon_max", &P::lonMax).range(-180, 720).withUnit("deg").withDoc("Eastern edge (degrees east)");
    d.add<double>("resolution", &P::resolution).range(0.05, 5).withUnit("deg").withDoc("Grid spacing (ERA5: 0.25)");
    d.add<std::int64_t>("days", &P::days).atLeast(1).withDoc("Length of the period");
    d.add<std::int64_t>("steps_per_day", &P::stepsPerDay).range(1, 24).withDoc("Time steps per day (ERA5 tracks: 4)");
    d.add<std::int64_t>("cyclones", &P::cyclones).atLeast(0).withDoc("Tropical cyclones over the period");
    d.add<std::int64_t>("cold_lows", &P::coldLows).atLeast(0)
        .withDoc("Cold-core mid-latitude lows: deep pressure minima without a warm core, for detectors to reject");
    d.add<std::string>("start", &P::start).withDoc("First time step, YYYY-MM-DD HH:MM");
    d.add<std::uint64_t>("seed", &P::seed).withDoc("Random seed; the same seed gives the same fields and tracks");
    d.add("overwrite", &P::overwrite).withDoc("Regenerate when the file exists; false keeps a file made with the same settings");
    return d;
  }();
  return d;
}

class Synthetic : public Component {
 public:
  explicit Synthetic(const Params& p) : cfg_(syntheticParams().parse(p)) {}

  Artifacts run(StepContext& ctx, const Artifacts&) override {
    const fs::path file = ctx.resolve(cfg_.file);
    const fs::path tracks = tracksFileFor(file);
    Artifact out;
    out.type = "Path";
    out.meta = {{"path", file.string()}, {"tracks", tracks.string()}, {"format", "netcdf"}};
    if (!ctx.leader()) return {{"fields", out}};
    std::ostringstream recipe;
    recipe << "lat=" << cfg_.latMin << ".." << cfg_.latMax << " lon=" << cfg_.lonMin << ".." << cfg_.lonMax
           << " res=" << cfg_.resolution << " days=" << cfg_.days << "x" << cfg_.stepsPerDay << " tc=" << cfg_.cyclones
           << " lows=" << cfg_.coldLows << " start=" << cfg_.start << " seed=" << cfg_.seed << " format=" << cfg_.format;
    if (!cfg_.overwrite && io::madeWithRecipe(file, recipe.str(), {tracks})) {
      ctx.log("kept " + file.string() + " (made with the same settings)");
      return {{"fields", out}};
    }
    const auto t0 = std::chrono::steady_clock::now();
    SyntheticClimate sc = makeSyntheticClimate(cfg_, [&](double f) {
      ctx.checkCancelled();
      ctx.progress(0.9 * f, "fields");
    });
    climate::WriteOptions opt;
    opt.format = cfg_.format == "netcdf3" ? climate::WriteOptions::Format::Classic
                 : cfg_.format == "netcdf3-64bit" ? climate::WriteOptions::Format::Offset64
                                                  : climate::WriteOptions::Format::NetCdf4;
    opt.timeOffsets = sc.timeOffsets;
    opt.title = "TwinForge synthetic cyclone fields (" + recipe.str() + ")";
    climate::writeClimateFile(file.string(), sc.lat, sc.lon, sc.variables, opt);
    climate::writeTracks(tracks.string(), sc.tracks);
    io::writeRecipe(file, recipe.str());
    std::size_t points = 0;
    for (const auto& t : sc.tracks) points += t.points.size();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ctx.log("wrote " + file.string() + ": " + std::to_string(sc.lat.size()) + " x " + std::to_string(sc.lon.size()) +
            " grid, " + std::to_string(sc.times.size()) + " time steps, " + std::to_string(sc.tracks.size()) +
            " tropical cyclones (" + std::to_string(points) + " track points) in " + std::to_string(secs) + " s");
    out.meta["cyclones"] = sc.tracks.size();
    out.meta["time_steps"] = sc.times.size();
    return {{"fields", out}};
  }

 private:
  SyntheticParams cfg_;
};

// ---- cyclone.Baseline ----------------------------------------------------------------------
struct BaselineParams : BaselineConfig {
  BaselineParams() {}  // as SyntheticParams
  std::string file, output;
};

const ParamDecls<BaselineParams>& baselineParams() {
  static const ParamDecls<BaselineParams> d = [] {
    using P = BaselineParams;
    ParamDecls<P> d;
    d.path("file", &P::file).withDoc("Fields to search when no step is connected (netCDF)");
    d.path("output", &P::output).withDoc("Track table written (default: the step's folder, tracks.csv)");
    d.add<std::string>("pressure", &P::pressure).withDoc("Sea-level pressure variable (Pa)");
    d.add<std::vector<std::string>>("warm_core", &P::warmCore)
        .withDoc("Upper-level temperatures averaged for the warm-core test (TempestExtremes: _AVG(T200,T500)); empty: no test");
    d.add<double>("merge_distance", &P::mergeDeg).above(0).withUnit("deg").withDoc("Minima closer than this merge (--mergedist)");
    d.add<double>("pressure_rise", &P::pressureRise).above(0).withUnit("Pa").withDoc("Closed contour: msl rises by this ...");
    d.add<double>("pressure_distance", &P::pressureDistDeg).above(0).withUnit("deg").withDoc("... within this great-circle distance");
    d.add<double>("warm_core_drop", &P::warmCoreDrop).above(0).withUnit("K").withDoc("Warm core: temperature falls by this ...");
    d.add<double>("warm_core_distance", &P::warmCoreDistDeg).above(0).withUnit("deg").withDoc("... within this distance of its maximum ...");
    d.add<double>("warm_core_search", &P::warmCoreSearchDeg).atLeast(0).withUnit("deg").withDoc("... found this close to the pressure minimum");
    d.add<double>("max_latitude", &P::maxLatitude).range(0, 90).withUnit("deg").withDoc("Candidates poleward of this are ignored");
    d.add<bool>("diagonal_connectivity", &P::diagonal).withDoc("Eight neighbours per grid cell instead of four (--diag_connect)");
    d.add<double>("stitch_range", &P::stitchRangeDeg).above(0).withUnit("deg").withDoc("StitchNodes --range: farthest move between steps");
    d.add<double>("min_duration", &P::minHours).atLeast(0).withUnit("h").withDoc("StitchNodes --mintime: shortest track kept");
    d.add<double>("max_gap", &P::maxGapHours).atLeast(0).withUnit("h").withDoc("StitchNodes --maxgap: longest gap bridged");
    return d;
  }();
  return d;
}

class Baseline : public Component {
 public:
  explicit Baseline(const Params& p) : cfg_(baselineParams().parse(p)) {}

  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    const fs::path path = fieldsInput(ctx, in, cfg_.file);
    const fs::path output = cfg_.output.empty() ? ctx.workDir() / "tracks.csv" : ctx.resolve(cfg_.output);
    Artifact out;
    out.type = "Path";
    out.meta = {{"path", output.string()}, {"detector", "baseline"}, {"fields", path.string()}};
    if (!ctx.leader()) return {{"tracks", out}};
    climate::ClimateFile file(path.string());
    file.variable(cfg_.pressure);
    for (const auto& v : cfg_.warmCore) file.variable(v);
    GridView g = gridOf(file);
    g.diagonal = cfg_.diagonal;
    std::vector<std::vector<Node>> nodes(file.timeSteps());
    std::size_t count = 0;
    double readSecs = 0, detectSecs = 0;
    for (std::size_t t = 0; t < file.timeSteps(); ++t) {
      ctx.checkCancelled();
      const auto t0 = std::chrono::steady_clock::now();
      Field msl = file.read(cfg_.pressure, t);
      Field warm;
      for (const auto& v : cfg_.warmCore) {
        Field f = file.read(v, t);
        if (warm.values.empty()) warm = f;
        else
          for (std::size_t k = 0; k < f.values.size(); ++k) warm.values[k] += f.values[k];
      }
      for (float& x : warm.values) x /= static_cast<float>(cfg_.warmCore.size());
      const auto t1 = std::chrono::steady_clock::now();
      nodes[t] = detectNodes(g, msl, warm, cfg_, t);
      detectSecs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
      readSecs += std::chrono::duration<double>(t1 - t0).count();
      count += nodes[t].size();
      ctx.progress(static_cast<double>(t + 1) / static_cast<double>(file.timeSteps()), "DetectNodes");
    }
    const std::vector<std::string> times = stepTimes(file);
    auto tracks = stitchNodes(nodes, times, hoursBetweenSteps(file), cfg_.stitchRangeDeg, cfg_.minHours, cfg_.maxGapHours, "B");
    climate::writeTracks(output.string(), tracks);
    // DetectNodes' candidates before stitching, one line each (as TempestExtremes' node file
    // lists them), for comparisons: the step's folder, nodes.csv.
    io::writeStreamAtomic(ctx.workDir() / "nodes.csv", [&](std::ostream& o) {
      o << "step,time,lat,lon,msl\n";
      char line[160];
      for (std::size_t t = 0; t < nodes.size(); ++t)
        for (const Node& n : nodes[t]) {
          std::snprintf(line, sizeof line, "%zu,%s,%.4f,%.4f,%.1f\n", t, times[t].c_str(), n.lat, n.lon, n.msl);
          o << line;
        }
    });
    const double perStep = detectSecs / static_cast<double>(file.timeSteps());
    ctx.log("DetectNodes: " + std::to_string(count) + " candidate nodes in " + std::to_string(file.timeSteps()) +
            " steps (" + std::to_string(perStep * 1000) + " ms per step, reading " +
            std::to_string(readSecs * 1000 / static_cast<double>(file.timeSteps())) + " ms); StitchNodes: " +
            std::to_string(tracks.size()) + " tracks of at least " + std::to_string(cfg_.minHours) + " h");
    out.meta["nodes"] = count;
    out.meta["tracks"] = tracks.size();
    out.meta["seconds_per_step"] = perStep;
    return {{"tracks", out}};
  }

 private:
  BaselineParams cfg_;
};

// ---- cyclone.Evaluate ----------------------------------------------------------------------
struct EvaluateParams {
  double matchKm = 300;
  std::string truth;
};

const ParamDecls<EvaluateParams>& evaluateParams() {
  static const ParamDecls<EvaluateParams> d = [] {
    ParamDecls<EvaluateParams> d;
    d.add("match_distance", &EvaluateParams::matchKm).above(0).withUnit("km")
        .withDoc("A detection within this great-circle distance of a true centre at the same time is a hit (CMCC: 300 km)");
    d.path("truth", &EvaluateParams::truth).withDoc("True tracks (CSV) when no fields step with tracks is connected");
    return d;
  }();
  return d;
}

nlohmann::json scoresJson(const DetectionScores& s) {
  return {{"true_points", s.truePoints},     {"detections", s.detections},
          {"hits", s.hits},                  {"probability_of_detection", s.pod},
          {"false_alarm_rate", s.far},       {"median_centre_error_km", s.medianErrorKm},
          {"mean_centre_error_km", s.meanErrorKm}, {"true_tracks", s.trueTracks},
          {"tracks_found", s.tracksFound}};
}

class Evaluate : public Component {
 public:
  explicit Evaluate(const Params& p) : cfg_(evaluateParams().parse(p)) {}

  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    fs::path truthFile;
    if (in.count("truth")) truthFile = in.at("truth").meta.value("tracks", in.at("truth").meta.value("path", ""));
    else if (!cfg_.truth.empty()) truthFile = ctx.resolve(cfg_.truth);
    else throw std::runtime_error("no true tracks: connect 'truth' (the fields from cyclone.Synthetic) or set 'truth'");
    const auto truth = climate::readTracks(truthFile.string());
    nlohmann::json report = {{"truth", truthFile.string()}, {"match_distance_km", cfg_.matchKm}, {"detectors", nlohmann::json::object()}};
    Artifact metrics;
    metrics.type = "Metrics";
    for (const char* name : {"cnn", "baseline"}) {
      if (!in.count(name)) continue;
      const std::string file = in.at(name).meta.value("path", "");
      const auto found = climate::readTracks(file);
      const DetectionScores s = scoreDetections(truth, found, cfg_.matchKm);
      nlohmann::json j = scoresJson(s);
      j["tracks_file"] = file;
      report["detectors"][name] = j;
      for (const auto& [k, v] : j.items())
        if (v.is_number()) metrics.meta[std::string(name) + "_" + k] = v;
      char line[320];
      std::snprintf(line, sizeof line,
                    "%s: POD %.3f, FAR %.3f, median centre error %.1f km (%lld hits of %lld true centres, %lld detections), "
                    "%lld of %lld tracks found",
                    name, s.pod, s.far, s.medianErrorKm, static_cast<long long>(s.hits), static_cast<long long>(s.truePoints),
                    static_cast<long long>(s.detections), static_cast<long long>(s.tracksFound), static_cast<long long>(s.trueTracks));
      ctx.log(line);
      ctx.metric(std::string(name) + "_pod", s.pod, 0);
      ctx.metric(std::string(name) + "_far", s.far, 0);
      ctx.metric(std::string(name) + "_median_error_km", s.medianErrorKm, 0);
    }
    if (in.count("patch_metrics")) report["cnn_patches"] = in.at("patch_metrics").meta;
    if (report["detectors"].empty()) throw std::runtime_error("nothing to evaluate: connect 'cnn' and/or 'baseline' tracks");
    const fs::path reportFile = ctx.workDir() / "report.json";
    if (ctx.leader()) io::writeTextAtomic(reportFile, report.dump(2) + "\n");
    metrics.meta["report"] = reportFile.string();
    return {{"metrics", metrics}};
  }

 private:
  EvaluateParams cfg_;
};

// ---- twinforge-run info ----------------------------------------------------------------------
bool inspectFields(const std::string& path, std::ostream& out) {
  std::ifstream probe(path, std::ios::binary);
  char magic[4] = {};
  probe.read(magic, 4);
  const bool cdf = magic[0] == 'C' && magic[1] == 'D' && magic[2] == 'F';
  const bool hdf = magic[1] == 'H' && magic[2] == 'D' && magic[3] == 'F';
  if (!cdf && !hdf) return false;
  std::unique_ptr<climate::ClimateFile> f;
  try {
    f = std::make_unique<climate::ClimateFile>(path);
  } catch (const std::exception&) {
    if (cdf) throw;  // a netCDF-3 file that is not a field: say why
    return false;    // an HDF5 file of another kind
  }
  const auto& lat = f->lat();
  const auto& lon = f->lon();
  char buf[256];
  out << "Format: " << f->formatName() << " climate fields (plugin cyclone)\n";
  std::snprintf(buf, sizeof buf, "  grid: %zu x %zu (lat %.2f..%.2f%s, lon %.2f..%.2f), spacing %.3f x %.3f deg\n", lat.size(),
                lon.size(), lat.front(), lat.back(), f->latDescendingInFile() ? ", stored north to south" : "", lon.front(),
                lon.back(), lat.size() > 1 ? lat[1] - lat[0] : 0.0, lon.size() > 1 ? lon[1] - lon[0] : 0.0);
  out << buf;
  const auto& t = f->time();
  if (!t.iso.empty())
    out << "  time: " << t.iso.size() << " steps, " << t.iso.front() << " .. " << t.iso.back() << " (" << t.units << ", calendar "
        << t.calendar << ")\n";
  out << "Variables:\n";
  for (const auto& v : f->variables()) {
    if (!v.isField) continue;
    out << "  " << v.name << " [" << (v.units.empty() ? "no units" : v.units) << "]" << (v.longName.empty() ? "" : " " + v.longName)
        << ", " << v.storedType << (v.packed ? " packed (scale_factor/add_offset)" : "") << "\n";
  }
  const fs::path tracks = tracksFileFor(path);
  if (fs::exists(tracks)) {
    const auto tr = climate::readTracks(tracks.string());
    std::size_t pts = 0;
    for (const auto& x : tr) pts += x.points.size();
    out << "Tracks: " << tracks.string() << ": " << tr.size() << " cyclones, " << pts << " points\n";
  }
  return true;
}

// A cyclone track table (ours or IBTrACS-style): tracks, points, time span, area.
bool inspectTracks(const std::string& path, std::ostream& out) {
  if (fs::path(path).extension() != ".csv") return false;
  std::ifstream in(path);
  std::string header;
  std::getline(in, header);
  for (char& c : header) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (header.find("lat") == std::string::npos || header.find("lon") == std::string::npos ||
      (header.find("track_id") == std::string::npos && header.find("sid") == std::string::npos))
    return false;
  const auto tracks = climate::readTracks(path);
  std::size_t points = 0;
  std::string first = "~", last;
  double latLo = 90, latHi = -90, lonLo = 360, lonHi = 0;
  for (const auto& t : tracks)
    for (const auto& p : t.points) {
      ++points;
      first = std::min(first, p.time), last = std::max(last, p.time);
      latLo = std::min(latLo, p.lat), latHi = std::max(latHi, p.lat), lonLo = std::min(lonLo, p.lon), lonHi = std::max(lonHi, p.lon);
    }
  out << "Format: cyclone track table (plugin cyclone)\n  " << tracks.size() << " tracks, " << points << " points";
  if (points) {
    char buf[160];
    std::snprintf(buf, sizeof buf, ", %s .. %s, lat %.1f..%.1f, lon %.1f..%.1f", first.c_str(), last.c_str(), latLo, latHi, lonLo, lonHi);
    out << buf;
  }
  out << "\n";
  return true;
}

}  // namespace

void registerFieldsAndBaseline(Registry& reg) {
  ComponentInfo s;
  s.classPath = "cyclone.Synthetic";
  s.doc = "Synthetic ERA5-like fields (msl, fg10, t_500, t_300) with moving Holland vortices, written as netCDF with true tracks";
  s.category = "Data";
  s.params = syntheticParams().schema();
  s.outputs = {{"fields", "Path", "the netCDF file (meta.tracks: the true tracks)", false}};
  s.factory = [](const Params& p) -> Component* { return new Synthetic(p); };
  reg.add(s);

  ComponentInfo b;
  b.classPath = "cyclone.Baseline";
  b.doc = "Tropical cyclones without ML, TempestExtremes' recipe: msl minima with closed contours and a warm core, stitched into tracks";
  b.category = "Inference";
  b.params = baselineParams().schema();
  b.inputs = {{"fields", "Path", "netCDF fields", true}};
  b.outputs = {{"tracks", "Path", "the tracks found (CSV)", false}};
  b.factory = [](const Params& p) -> Component* { return new Baseline(p); };
  reg.add(b);

  ComponentInfo e;
  e.classPath = "cyclone.Evaluate";
  e.doc = "Score detected tracks against the true ones: centre error (km), probability of detection, false-alarm rate; report.json";
  e.category = "Validation";
  e.params = evaluateParams().schema();
  e.inputs = {{"truth", "Path", "fields with their true tracks (cyclone.Synthetic)", true},
              {"cnn", "Path", "tracks found by cyclone.CNNDetect", true},
              {"baseline", "Path", "tracks found by cyclone.Baseline", true},
              {"patch_metrics", "Metrics", "the CNN trainer's patch-level metrics, copied into the report", true}};
  e.outputs = {{"metrics", "Metrics", "the scores of each detector", false}};
  e.factory = [](const Params& p) -> Component* { return new Evaluate(p); };
  reg.add(e);

  reg.addFileInspector({"climate fields (netCDF-3, netCDF-4)", "", inspectFields});
  reg.addFileInspector({"cyclone track table (CSV)", "", inspectTracks});
}

}  // namespace tf::cyclone

TWINFORGE_PLUGIN(cyclone) {
  tf::cyclone::registerFieldsAndBaseline(reg);
  tf::cyclone::registerCnn(reg);
  tf::cyclone::registerItwinaiCyclones(reg);
}
