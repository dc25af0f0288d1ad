// plugins/gw: the gravitational-wave denoising twin (the Virgo/INFN use case in interTwin).
// This file: gw.Synthetic (design-curve noise, chirps and glitches as GWOSC files), gw.Whiten
// (gwpy's whitening of noisy and clean strain with the noisy data's ASD), gw.Evaluate (match,
// SNR gain, residual-noise ASD: report.json and SVG plots) and `twinforge-run info` for strain
// files. The networks are in Denoiser.cpp and GlitchFlow.cpp.
#include "Denoiser.h"
#include "GwScience.h"

#include "exec/Component.h"
#include "exec/ParamDecls.h"
#include "io/AtomicFile.h"
#include "io/Recipe.h"
#include "plot/AxisTicks.h"
#include "registry/Plugin.h"
#include "registry/Registry.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

namespace fs = std::filesystem;

namespace tf::gw {

namespace {

// ---- gw.Synthetic ----------------------------------------------------------------------------
struct SyntheticParams : SyntheticConfig {
  SyntheticParams() {}  // not an aggregate (GCC 12 and -Wmaybe-uninitialized)
  std::string file = "data/gw-synthetic.hdf5";
  std::string layout = "gwosc";
  bool overwrite = false;
};

const ParamDecls<SyntheticParams>& syntheticParams() {
  static const ParamDecls<SyntheticParams> d = [] {
    using P = SyntheticParams;
    ParamDecls<P> d;
    d.path("file", &P::file).withDoc("Noisy strain written (GWOSC HDF5); NAME.clean.hdf5 and NAME.events.csv go beside it");
    d.choice("layout", &P::layout, {"gwosc", "losc"}).withDoc("GWOSC's current attribute set or the older LOSC one");
    d.add<double>("rate", &P::rate).range(512, 65536).withUnit("Hz").withDoc("Sample rate (GWOSC: 4096 or 16384)");
    d.add<double>("duration", &P::duration).range(8, 86400).withUnit("s").withDoc("Length of the strain");
    d.add<double>("gps_start", &P::gpsStart).atLeast(0).withUnit("s").withDoc("GPS time of the first sample");
    d.add<std::string>("detector", &P::detector).withDoc("Detector prefix (H1, L1, V1)");
    d.add<double>("chirps_per_minute", &P::chirpsPerMinute).range(0, 60).withDoc("Compact-binary inspirals injected per minute");
    d.add<double>("glitches_per_minute", &P::glitchesPerMinute).range(0, 120).withDoc("Glitches (blips, scattered-light arches, whistles) per minute");
    d.add<double>("snr_min", &P::snrMin).above(0).withDoc("Chirps' optimal SNR against the design curve, lowest ...");
    d.add<double>("snr_max", &P::snrMax).above(0).withDoc("... and highest");
    d.add<double>("glitch_snr_min", &P::glitchSnrMin).above(0).withDoc("Glitches' SNR, lowest ...");
    d.add<double>("glitch_snr_max", &P::glitchSnrMax).above(0).withDoc("... and highest");
    d.add<double>("chirp_mass_min", &P::chirpMassMin).range(1, 100).withUnit("Msun").withDoc("Chirp masses, lowest ...");
    d.add<double>("chirp_mass_max", &P::chirpMassMax).range(1, 100).withUnit("Msun").withDoc("... and highest");
    d.add<double>("f_low", &P::fLow).range(5, 100).withUnit("Hz").withDoc("Frequency where chirps enter the band");
    d.add<std::uint64_t>("seed", &P::seed).withDoc("Random seed; the same seed gives the same strain");
    d.add("overwrite", &P::overwrite).withDoc("Regenerate when the file exists; false keeps a file made with the same settings");
    return d;
  }();
  return d;
}

std::string recipeOf(const SyntheticParams& c) {
  std::ostringstream r;
  r.precision(12);
  r << "rate=" << c.rate << " dur=" << c.duration << " gps=" << c.gpsStart << " det=" << c.detector << " cpm=" << c.chirpsPerMinute
    << " gpm=" << c.glitchesPerMinute << " snr=" << c.snrMin << ".." << c.snrMax << " gsnr=" << c.glitchSnrMin << ".."
    << c.glitchSnrMax << " mc=" << c.chirpMassMin << ".." << c.chirpMassMax << " flow=" << c.fLow << " seed=" << c.seed
    << " layout=" << c.layout << " v2";  // v2: events table GPS to the microsecond
  return r.str();
}

class Synthetic : public Component {
 public:
  explicit Synthetic(const Params& p) : cfg_(syntheticParams().parse(p)) {
    if (cfg_.snrMin > cfg_.snrMax) throw std::invalid_argument("snr_min must not exceed snr_max");
    if (cfg_.chirpMassMin > cfg_.chirpMassMax) throw std::invalid_argument("chirp_mass_min must not exceed chirp_mass_max");
  }

  Artifacts run(StepContext& ctx, const Artifacts&) override {
    const fs::path file = ctx.resolve(cfg_.file);
    const std::string clean = cleanFileFor(file.string()), events = eventsFileFor(file.string());
    Artifact out;
    out.type = "Path";
    out.meta = {{"path", file.string()}, {"clean", clean}, {"events", events}, {"format", "gwosc"}};
    if (!ctx.leader()) return {{"strain", out}};
    const std::string recipe = recipeOf(cfg_);
    if (!cfg_.overwrite && io::madeWithRecipe(file, recipe, {clean, events})) {
      ctx.log("kept " + file.string() + " (made with the same settings)");
      return {{"strain", out}};
    }
    const auto t0 = std::chrono::steady_clock::now();
    SyntheticStrain s = makeSyntheticStrain(cfg_, [&](double f) {
      ctx.checkCancelled();
      ctx.progress(0.9 * f, "strain");
    });
    s.noisy.layout = cfg_.layout == "losc" ? data::StrainLayout::Losc : data::StrainLayout::Gwosc;
    fs::create_directories(file.parent_path());
    data::writeStrain(file.string(), s.noisy);
    data::StrainData c = s.noisy;
    c.strain = s.clean;
    c.description = "Injected signals only (TwinForge gw.Synthetic)";
    data::writeStrain(clean, c);
    writeEvents(events, s.events);
    io::writeRecipe(file, recipe);
    int chirps = 0;
    for (const Event& e : s.events) chirps += e.kind == EventKind::Chirp;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    char line[300];
    std::snprintf(line, sizeof line, "wrote %s: %.0f s at %.0f Hz, %d chirps and %zu glitches, in %.2f s", file.string().c_str(),
                  cfg_.duration, cfg_.rate, chirps, s.events.size() - static_cast<std::size_t>(chirps), secs);
    ctx.log(line);
    out.meta["chirps"] = chirps;
    out.meta["glitches"] = s.events.size() - static_cast<std::size_t>(chirps);
    return {{"strain", out}};
  }

 private:
  SyntheticParams cfg_;
};

// ---- gw.Whiten ---------------------------------------------------------------------------------
struct WhitenParams : TwinWhitening {
  WhitenParams() {}  // not an aggregate (GCC 12 and -Wmaybe-uninitialized)
  std::string file;
  double bandLow = 0, bandHigh = 0;
};

const ParamDecls<WhitenParams>& whitenParams() {
  static const ParamDecls<WhitenParams> d = [] {
    using P = WhitenParams;
    ParamDecls<P> d;
    d.path("file", &P::file).withDoc("Strain to whiten when no step is connected (GWOSC HDF5; NAME.clean.hdf5 beside it is whitened too)");
    d.add<double>("fftlength", &P::fftLength).range(0.25, 600).withUnit("s").withDoc("Welch segment for the ASD (median average, Hann)");
    d.add<double>("overlap", &P::overlap).range(0, 600).withUnit("s").withDoc("Overlap of the Welch segments");
    d.add<double>("fduration", &P::fduration).range(0.125, 64).withUnit("s").withDoc("Length of the whitening FIR filter (gwpy: 2 s)");
    d.add<double>("highpass", &P::highpass).range(0, 1000).withUnit("Hz").withDoc("High-pass corner of the whitening filter; 0: none");
    d.add("bandpass_low", &P::bandLow).range(0, 10000).withUnit("Hz").withDoc("After whitening, a zero-phase Butterworth band-pass from ...");
    d.add("bandpass_high", &P::bandHigh).range(0, 10000).withUnit("Hz").withDoc("... to this (0: no band-pass)");
    return d;
  }();
  return d;
}

class Whiten : public Component {
 public:
  explicit Whiten(const Params& p) : cfg_(whitenParams().parse(p)) {
    if (cfg_.overlap >= cfg_.fftLength) throw std::invalid_argument("overlap must be shorter than fftlength");
  }
  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    std::string noisyPath, cleanPath, eventsPath;
    if (in.count("strain")) {
      const auto& m = in.at("strain").meta;
      noisyPath = m.value("path", "");
      cleanPath = m.value("clean", "");
      eventsPath = m.value("events", "");
    } else {
      noisyPath = ctx.resolve(cfg_.file).string();
    }
    if (noisyPath.empty()) throw std::runtime_error("whiten: connect a strain (gw.Synthetic) or set `file`");
    if (cleanPath.empty()) cleanPath = cleanFileFor(noisyPath);
    if (eventsPath.empty()) eventsPath = eventsFileFor(noisyPath);
    const data::StrainData noisy = data::readStrain(noisyPath);
    const signal::Spectrum asd = signal::asd(noisy.strain, cfg_.welch());
    const signal::WhitenOptions wo = cfg_.whiten();
    auto process = [&](const signal::TimeSeries& x) {
      signal::TimeSeries y = signal::whiten(x, asd, wo);
      if (cfg_.bandHigh > 0) y = signal::bandpass(y, std::max(cfg_.bandLow, 1.0), cfg_.bandHigh, 8);
      return y;
    };
    Artifact out;
    out.type = "Path";
    const fs::path dir = ctx.workDir();
    const std::string stem = fs::path(noisyPath).stem().string();
    const fs::path wn = dir / (stem + ".white.hdf5"), wc = dir / (stem + ".clean.white.hdf5");
    out.meta = {{"path", wn.string()}, {"clean", wc.string()}, {"events", eventsPath}, {"settle_s", cfg_.fduration / 2},
                {"source", noisyPath}};
    if (!ctx.leader()) return {{"whitened", out}};
    data::StrainData a = noisy;
    a.strain = process(noisy.strain);
    a.description = "Whitened strain (TwinForge gw.Whiten)";
    data::writeStrain(wn.string(), a);
    ctx.progress(0.5, "whitened the noisy strain");
    if (fs::exists(cleanPath)) {
      data::StrainData c = data::readStrain(cleanPath);
      c.strain = process(c.strain);
      c.description = "Whitened injected signal (TwinForge gw.Whiten)";
      data::writeStrain(wc.string(), c);
    } else {
      out.meta["clean"] = "";
      ctx.log("no clean counterpart " + cleanPath + ": only the noisy strain is whitened");
    }
    // The ASD used, for the report and the viewer.
    std::ostringstream csv;
    csv << "frequency_hz,asd_per_sqrt_hz\n";
    csv.precision(9);
    for (std::size_t k = 0; k < asd.values.size(); ++k) csv << asd.frequency(k) << "," << asd.values[k] << "\n";
    io::writeTextAtomic(dir / "asd.csv", csv.str());
    ctx.log("whitened " + noisyPath + " with its median ASD (" + std::to_string(cfg_.fftLength) + " s segments), a " +
            std::to_string(cfg_.fduration) + " s filter" + (cfg_.highpass > 0 ? ", high-pass " + std::to_string(cfg_.highpass) + " Hz" : ""));
    return {{"whitened", out}};
  }

 private:
  WhitenParams cfg_;
};

// ---- gw.Evaluate -------------------------------------------------------------------------------
struct EvaluateParams {
  double window = 1.0;
};

const ParamDecls<EvaluateParams>& evaluateParams() {
  static const ParamDecls<EvaluateParams> d = [] {
    using P = EvaluateParams;
    ParamDecls<P> d;
    d.add("window", &P::window).range(0.125, 16).withUnit("s").withDoc("Stretch around each event that is scored (chirps: 3/4 before coalescence)");
    return d;
  }();
  return d;
}

struct Line {
  std::string name, colour;
  std::vector<double> x, y;
};

// A small line plot as SVG (log axes optional): the report's figures, without Python or Qt.
std::string svgPlot(const std::string& title, const std::string& xlabel, const std::string& ylabel, const std::vector<Line>& lines,
                    bool logx, bool logy) {
  const double W = 640, H = 400, l = 70, r = 20, t = 36, b = 50;
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  auto tx = [&](double v) { return logx ? std::log10(std::max(v, 1e-300)) : v; };
  auto ty = [&](double v) { return logy ? std::log10(std::max(v, 1e-300)) : v; };
  for (const Line& L : lines)
    for (std::size_t i = 0; i < L.x.size(); ++i) {
      if ((logx && L.x[i] <= 0) || (logy && L.y[i] <= 0) || !std::isfinite(L.y[i])) continue;
      x0 = std::min(x0, tx(L.x[i]));
      x1 = std::max(x1, tx(L.x[i]));
      y0 = std::min(y0, ty(L.y[i]));
      y1 = std::max(y1, ty(L.y[i]));
    }
  if (!(x1 > x0)) x1 = x0 + 1;
  if (!(y1 > y0)) y1 = y0 + 1;
  const double pad = 0.05 * (y1 - y0);
  y0 -= pad;
  y1 += pad;
  auto px = [&](double v) { return l + (tx(v) - x0) / (x1 - x0) * (W - l - r); };
  auto py = [&](double v) { return H - b - (ty(v) - y0) / (y1 - y0) * (H - t - b); };
  std::ostringstream s;
  s << "<svg xmlns='http://www.w3.org/2000/svg' width='" << W << "' height='" << H << "' font-family='sans-serif' font-size='12'>\n"
    << "<rect width='100%' height='100%' fill='white'/>\n"
    << "<text x='" << W / 2 << "' y='20' text-anchor='middle' font-size='14'>" << title << "</text>\n"
    << "<rect x='" << l << "' y='" << t << "' width='" << W - l - r << "' height='" << H - t - b << "' fill='none' stroke='#444'/>\n";
  // Round ticks (the project's one tick rule, core/plot/AxisTicks): 1-2-5 steps, whole decades.
  auto axis = [&](double lo, double hi, bool lg, bool horizontal) {
    std::vector<std::pair<double, std::string>> ticks;  // position in axis units, label
    if (lg) {
      for (double d : plot::logTicks(std::pow(10.0, lo), std::pow(10.0, hi)).decades)
        if (std::log10(d) >= lo - 1e-9 && std::log10(d) <= hi + 1e-9) ticks.emplace_back(std::log10(d), plot::decadeLabel(d));
    } else {
      const plot::Ticks t = plot::ticksWithin(lo, hi, 5);
      for (double v : t.values) ticks.emplace_back(v, t.label(v));
    }
    for (const auto& [v, label] : ticks) {
      if (horizontal) {
        const double X = l + (v - x0) / (x1 - x0) * (W - l - r);
        s << "<line x1='" << X << "' y1='" << t << "' x2='" << X << "' y2='" << H - b << "' stroke='#e4e4e4'/>\n"
          << "<text x='" << X << "' y='" << H - b + 16 << "' text-anchor='middle'>" << label << "</text>\n";
      } else {
        const double Y = H - b - (v - y0) / (y1 - y0) * (H - t - b);
        s << "<line x1='" << l << "' y1='" << Y << "' x2='" << W - r << "' y2='" << Y << "' stroke='#e4e4e4'/>\n"
          << "<text x='" << l - 6 << "' y='" << Y + 4 << "' text-anchor='end'>" << label << "</text>\n";
      }
    }
  };
  axis(x0, x1, logx, true);
  axis(y0, y1, logy, false);
  s << "<text x='" << (l + W - r) / 2 << "' y='" << H - 12 << "' text-anchor='middle'>" << xlabel << "</text>\n"
    << "<text x='16' y='" << (t + H - b) / 2 << "' text-anchor='middle' transform='rotate(-90 16 " << (t + H - b) / 2 << ")'>" << ylabel << "</text>\n";
  int li = 0;
  for (const Line& L : lines) {
    s << "<polyline fill='none' stroke='" << L.colour << "' stroke-width='1.2' points='";
    for (std::size_t i = 0; i < L.x.size(); ++i) {
      if ((logx && L.x[i] <= 0) || (logy && L.y[i] <= 0) || !std::isfinite(L.y[i])) continue;
      s << px(L.x[i]) << "," << py(L.y[i]) << " ";
    }
    s << "'/>\n<rect x='" << l + 6 << "' y='" << t + 4 + 16 * li << "' width='" << 7 * L.name.size() + 10
      << "' height='16' fill='white' fill-opacity='0.85'/>\n<text x='" << l + 10 << "' y='" << t + 16 + 16 * li << "' fill='" << L.colour
      << "'>" << L.name << "</text>\n";
    ++li;
  }
  s << "</svg>\n";
  return s.str();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

class Evaluate : public Component {
 public:
  explicit Evaluate(const Params& p) : cfg_(evaluateParams().parse(p)) {}
  Artifacts run(StepContext& ctx, const Artifacts& in) override {
    if (!in.count("denoised")) throw std::runtime_error("evaluate: connect gw.Denoise's `denoised` output");
    const auto& m = in.at("denoised").meta;
    const std::string denoisedPath = m.value("path", ""), noisyPath = m.value("noisy", ""), cleanPath = m.value("clean", ""),
                      eventsPath = m.value("events", "");
    if (cleanPath.empty()) throw std::runtime_error("evaluate: the denoised strain has no clean counterpart to compare with");
    const data::StrainData den = data::readStrain(denoisedPath), noisy = data::readStrain(noisyPath), clean = data::readStrain(cleanPath);
    const std::vector<Event> events = readEvents(eventsPath);
    const double rate = den.strain.rate, t0 = den.strain.t0;
    const long L = std::lround(cfg_.window * rate), n = static_cast<long>(den.strain.values.size());
    const double settle = m.value("settle_s", 1.0);
    auto slice = [&](const std::vector<double>& v, long s) { return std::vector<double>(v.begin() + s, v.begin() + s + L); };
    auto energy = [](const std::vector<double>& v) {
      double e = 0;
      for (double x : v) e += x * x;
      return e;
    };
    nlohmann::json perEvent = nlohmann::json::array();
    std::vector<double> mNoisy, mDen, gain, glitchRatio;
    double bestSnr = -1;
    long bestStart = -1;
    for (const Event& e : events) {
      const long at = std::lround((e.gps - t0) * rate);
      const long s = e.kind == EventKind::Chirp ? at - 3 * L / 4 : at - L / 2;
      if (s < std::lround(settle * rate) || s + L > n - std::lround(settle * rate)) continue;
      const auto c = slice(clean.strain.values, s), x = slice(noisy.strain.values, s), y = slice(den.strain.values, s);
      nlohmann::json j = {{"kind", eventKindName(e.kind)}, {"gps", e.gps}, {"snr", e.snr}};
      if (e.kind == EventKind::Chirp) {
        const double a = signal::match(x, c), b = signal::match(y, c);
        std::vector<double> rx(L), ry(L);
        for (long i = 0; i < L; ++i) {
          rx[i] = x[i] - c[i];
          ry[i] = y[i] - c[i];
        }
        const double g = 10 * std::log10(energy(rx) / std::max(energy(ry), 1e-300));
        mNoisy.push_back(a);
        mDen.push_back(b);
        gain.push_back(g);
        j["match_noisy"] = a;
        j["match_denoised"] = b;
        j["snr_gain_db"] = g;
        if (e.snr > bestSnr) {
          bestSnr = e.snr;
          bestStart = s;
        }
      } else {
        // A glitch window: what is left of it (the clean signal is usually zero there).
        std::vector<double> rx(L), ry(L);
        for (long i = 0; i < L; ++i) {
          rx[i] = x[i] - c[i];
          ry[i] = y[i] - c[i];
        }
        const double ratio = energy(ry) / std::max(energy(rx), 1e-300);
        glitchRatio.push_back(ratio);
        j["residual_energy_ratio"] = ratio;
      }
      perEvent.push_back(j);
    }
    if (mNoisy.empty()) throw std::runtime_error("evaluate: no chirp in '" + eventsPath + "' lies far enough from the file's ends to score");
    // Residual noise: noisy - clean and denoised - clean, away from the corrupted ends.
    const long e0 = std::lround(settle * rate), e1 = n - e0;
    signal::TimeSeries rn, rd;
    rn.rate = rd.rate = rate;
    for (long i = e0; i < e1; ++i) {
      rn.values.push_back(noisy.strain.values[i] - clean.strain.values[i]);
      rd.values.push_back(den.strain.values[i] - clean.strain.values[i]);
    }
    signal::WelchOptions w;
    w.fftLength = std::min(4.0, rn.duration() / 2);
    const signal::Spectrum an = signal::asd(rn, w), ad = signal::asd(rd, w);
    auto band = [&](const signal::Spectrum& a, double f0, double f1) {
      std::vector<double> v;
      for (std::size_t k = 0; k < a.values.size(); ++k)
        if (a.frequency(k) >= f0 && a.frequency(k) < f1) v.push_back(a.values[k]);
      return median(v);
    };
    nlohmann::json bands = nlohmann::json::array();
    for (auto [f0, f1] : {std::pair{20.0, 60.0}, std::pair{60.0, 250.0}, std::pair{250.0, 1000.0}})
      if (f1 < rate / 2)
        bands.push_back({{"band_hz", {f0, f1}}, {"residual_asd_noisy", band(an, f0, f1)}, {"residual_asd_denoised", band(ad, f0, f1)}});
    nlohmann::json report = {
        {"chirps_scored", mNoisy.size()},
        {"glitches_scored", glitchRatio.size()},
        {"match_noisy_median", median(mNoisy)},
        {"match_denoised_median", median(mDen)},
        {"snr_gain_db_median", median(gain)},
        {"glitch_residual_energy_ratio_median", median(glitchRatio)},
        {"residual_asd_bands", bands},
        {"window_s", cfg_.window},
        {"files", {{"denoised", denoisedPath}, {"noisy", noisyPath}, {"clean", cleanPath}, {"events", eventsPath}}},
        {"events", perEvent},
        {"definitions",
         {{"match", "<a,b>/sqrt(<a,a><b,b>) of the whitened series against the whitened injected signal over the window"},
          {"snr_gain_db", "10 log10 of the residual energy (noisy - clean) over (denoised - clean) in the window"},
          {"glitch_residual_energy_ratio", "energy of (denoised - clean) over (noisy - clean) in a window centred on a glitch"}}}};
    const fs::path dir = ctx.workDir();
    io::writeTextAtomic(dir / "report.json", report.dump(2) + "\n");
    // Figures: residual ASDs, and the loudest scored chirp (noisy, denoised, injected).
    std::vector<Line> asdLines = {{"noisy - injected", "#999999", {}, {}}, {"denoised - injected", "#d62728", {}, {}}};
    for (std::size_t k = 1; k < an.values.size(); ++k) {
      if (an.frequency(k) < 10) continue;  // below the whitening filter's high-pass: nothing to see
      asdLines[0].x.push_back(an.frequency(k));
      asdLines[0].y.push_back(an.values[k]);
      asdLines[1].x.push_back(ad.frequency(k));
      asdLines[1].y.push_back(ad.values[k]);
    }
    io::writeTextAtomic(dir / "residual_asd.svg", svgPlot("Residual noise (whitened)", "frequency [Hz]", "ASD [1/sqrt(Hz)]", asdLines, true, true));
    if (bestStart >= 0) {
      std::vector<Line> wl = {{"noisy", "#bbbbbb", {}, {}}, {"denoised", "#d62728", {}, {}}, {"injected", "#1f77b4", {}, {}}};
      for (long i = 0; i < L; ++i) {
        const double tt = static_cast<double>(i) / rate - 0.75 * cfg_.window;
        wl[0].x.push_back(tt);
        wl[0].y.push_back(noisy.strain.values[bestStart + i]);
        wl[1].x.push_back(tt);
        wl[1].y.push_back(den.strain.values[bestStart + i]);
        wl[2].x.push_back(tt);
        wl[2].y.push_back(clean.strain.values[bestStart + i]);
      }
      io::writeTextAtomic(dir / "loudest_chirp.svg",
                          svgPlot("Loudest held-out chirp (SNR " + std::to_string(static_cast<int>(bestSnr)) + ")", "time from coalescence [s]",
                                  "whitened strain", wl, false, false));
    }
    char line[300];
    std::snprintf(line, sizeof line,
                  "%zu held-out chirps: median match %.3f noisy -> %.3f denoised, SNR gain %.1f dB; %zu glitches: median residual energy %.3f",
                  mNoisy.size(), median(mNoisy), median(mDen), median(gain), glitchRatio.size(), median(glitchRatio));
    ctx.log(line);
    ctx.metric("match_denoised_median", median(mDen), 0);
    ctx.metric("match_noisy_median", median(mNoisy), 0);
    Artifact a;
    a.type = "Metrics";
    a.meta = report;
    a.meta.erase("events");
    return {{"report", a}};
  }

 private:
  EvaluateParams cfg_;
};

bool inspectStrain(const std::string& path, std::ostream& out) {
  if (!data::isStrainFile(path)) return false;
  out << data::describeStrain(data::readStrain(path));
  return true;
}

}  // namespace

void registerStrainSteps(Registry& reg) {
  ComponentInfo s;
  s.classPath = "gw.Synthetic";
  s.doc = "Synthetic detector strain offline: design-curve coloured noise, post-Newtonian inspirals and glitches, as GWOSC HDF5";
  s.category = "Data";
  s.params = syntheticParams().schema();
  s.outputs = {{"strain", "Path", "noisy strain (GWOSC HDF5) with NAME.clean.hdf5 and NAME.events.csv beside it", false}};
  s.factory = [](const Params& q) -> Component* { return new Synthetic(q); };
  reg.add(s);

  ComponentInfo w;
  w.classPath = "gw.Whiten";
  w.doc = "Whiten strain as gwpy does (median Welch ASD, inverse spectrum truncation), the clean counterpart with the same filter";
  w.category = "Preprocessing";
  w.params = whitenParams().schema();
  w.inputs = {{"strain", "Path", "GWOSC strain (gw.Synthetic)", true}};
  w.outputs = {{"whitened", "Path", "whitened noisy and clean strain (HDF5), the events, the ASD (asd.csv)", false}};
  w.factory = [](const Params& q) -> Component* { return new Whiten(q); };
  reg.add(w);

  ComponentInfo e;
  e.classPath = "gw.Evaluate";
  e.doc = "Score a denoiser on held-out strain: match and SNR gain per chirp, glitch residuals, residual-noise ASD; report.json and SVG plots";
  e.category = "Validation";
  e.params = evaluateParams().schema();
  e.inputs = {{"denoised", "Path", "gw.Denoise's output", false}};
  e.outputs = {{"report", "Metrics", "the report's summary", false}};
  e.factory = [](const Params& q) -> Component* { return new Evaluate(q); };
  reg.add(e);

  reg.addFileInspector({"detector strain (GWOSC/LOSC HDF5)", "", inspectStrain});
}

}  // namespace tf::gw

TWINFORGE_PLUGIN(gw) {
  tf::gw::registerStrainSteps(reg);
  tf::gw::registerDenoiser(reg);
  tf::gw::registerGlitchFlow(reg);
}
