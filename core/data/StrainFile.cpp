#include "data/StrainFile.h"

#include "io/AtomicFile.h"
#include "io/Hdf5.h"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <ctime>
#include <sstream>
#include <stdexcept>

namespace tf::data {

namespace {

using h5::Handle;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("'" + path + "': " + what);
}

bool linkExists(hid_t loc, const std::string& name) {
  // Checks each component so that a missing group does not raise.
  std::string sofar;
  std::stringstream ss(name);
  for (std::string part; std::getline(ss, part, '/');) {
    if (part.empty()) continue;
    sofar += "/" + part;
    if (H5Lexists(loc, sofar.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return true;
}

bool attrExists(hid_t obj, const char* name) { return H5Aexists(obj, name) > 0; }

double readAttrDouble(hid_t obj, const char* name, const std::string& path, const std::string& ds) {
  Handle a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  if (!a.valid()) fail(path, ds + ": attribute '" + std::string(name) + "' is missing");
  Handle t(H5Aget_type(a.id()), H5Tclose);
  const H5T_class_t c = H5Tget_class(t.id());
  if (c != H5T_FLOAT && c != H5T_INTEGER)
    fail(path, ds + ": attribute '" + std::string(name) + "' must be a number, found " + h5::dtypeName(t.id()));
  Handle sp(H5Aget_space(a.id()), H5Sclose);
  if (H5Sget_simple_extent_npoints(sp.id()) != 1)
    fail(path, ds + ": attribute '" + std::string(name) + "' must be a single number");
  double v = 0;
  if (H5Aread(a.id(), H5T_NATIVE_DOUBLE, &v) < 0) fail(path, ds + ": cannot read attribute '" + std::string(name) + "'");
  return v;
}

std::string readStringFromType(hid_t obj, hid_t type, bool isAttr, hid_t space) {
  (void)space;
  if (H5Tis_variable_str(type) > 0) {
    char* s = nullptr;
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.id(), H5T_VARIABLE);
    const herr_t r = isAttr ? H5Aread(obj, mem.id(), &s) : H5Dread(obj, mem.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &s);
    std::string out = (r >= 0 && s) ? s : "";
    if (s) H5free_memory(s);
    return out;
  }
  const std::size_t n = H5Tget_size(type);
  std::string buf(n, '\0');
  Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mem.id(), n);
  H5Tset_strpad(mem.id(), H5T_STR_NULLPAD);
  if ((isAttr ? H5Aread(obj, mem.id(), buf.data()) : H5Dread(obj, mem.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data())) < 0)
    return "";
  buf.resize(std::strlen(buf.c_str()));
  return buf;
}

std::string readAttrString(hid_t obj, const char* name) {
  if (!attrExists(obj, name)) return "";
  Handle a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  Handle t(H5Aget_type(a.id()), H5Tclose);
  if (H5Tget_class(t.id()) != H5T_STRING) return "";
  Handle sp(H5Aget_space(a.id()), H5Sclose);
  return readStringFromType(a.id(), t.id(), true, sp.id());
}

// A scalar dataset (meta/Detector, meta/GPSstart) as text; "" when absent.
std::string readScalarText(hid_t file, const std::string& name) {
  if (!linkExists(file, name)) return "";
  Handle d(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!d.valid()) return "";
  Handle t(H5Dget_type(d.id()), H5Tclose);
  Handle sp(H5Dget_space(d.id()), H5Sclose);
  if (H5Tget_class(t.id()) == H5T_STRING) return readStringFromType(d.id(), t.id(), false, sp.id());
  if (H5Sget_simple_extent_npoints(sp.id()) != 1) return "";
  double v = 0;
  if (H5Dread(d.id(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) < 0) return "";
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

// A one-dimensional string dataset (DQShortnames), fixed or variable length.
std::vector<std::string> readStringList(hid_t file, const std::string& name) {
  std::vector<std::string> out;
  if (!linkExists(file, name)) return out;
  Handle d(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
  Handle t(H5Dget_type(d.id()), H5Tclose);
  if (H5Tget_class(t.id()) != H5T_STRING) return out;
  Handle sp(H5Dget_space(d.id()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(sp.id());
  if (n <= 0) return out;
  if (H5Tis_variable_str(t.id()) > 0) {
    std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.id(), H5T_VARIABLE);
    if (H5Dread(d.id(), mem.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) >= 0)
      for (char* p : ptrs) out.emplace_back(p ? p : "");
    H5Dvlen_reclaim(mem.id(), sp.id(), H5P_DEFAULT, ptrs.data());
    return out;
  }
  const std::size_t sz = H5Tget_size(t.id());
  std::vector<char> buf(sz * static_cast<std::size_t>(n));
  Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mem.id(), sz);
  H5Tset_strpad(mem.id(), H5T_STR_NULLPAD);
  if (H5Dread(d.id(), mem.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0) return out;
  for (hssize_t i = 0; i < n; ++i) {
    const char* p = buf.data() + static_cast<std::size_t>(i) * sz;
    out.emplace_back(p, strnlen(p, sz));
  }
  return out;
}

// A 1-D numeric dataset with its dimension checked.
std::vector<double> readSeries(hid_t file, const std::string& name, const std::string& path) {
  Handle d(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!d.valid()) fail(path, "cannot open dataset '" + name + "'");
  Handle t(H5Dget_type(d.id()), H5Tclose);
  const H5T_class_t c = H5Tget_class(t.id());
  if (c != H5T_FLOAT && c != H5T_INTEGER)
    fail(path, "'" + name + "' must hold numbers, found " + h5::dtypeName(t.id()));
  Handle sp(H5Dget_space(d.id()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(sp.id());
  if (rank != 1) fail(path, "'" + name + "' must be one-dimensional (a time series), found rank " + std::to_string(rank));
  const hssize_t n = H5Sget_simple_extent_npoints(sp.id());
  std::vector<double> v(static_cast<std::size_t>(n));
  if (n > 0 && H5Dread(d.id(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
    fail(path, "cannot read '" + name + "'");
  return v;
}

BitMask readMask(hid_t file, const std::string& group, const char* maskName, const char* shortName, const char* descName,
                 const std::string& path, double gps, double duration) {
  BitMask m;
  const std::string ds = group + "/" + maskName;
  if (!linkExists(file, ds)) return m;
  const std::vector<double> v = readSeries(file, ds, path);
  Handle d(H5Dopen2(file, ds.c_str(), H5P_DEFAULT), H5Dclose);
  m.t0 = attrExists(d.id(), "Xstart") ? readAttrDouble(d.id(), "Xstart", path, ds) : gps;
  m.dt = attrExists(d.id(), "Xspacing") ? readAttrDouble(d.id(), "Xspacing", path, ds) : 1.0;
  if (!(m.dt > 0)) fail(path, ds + ": Xspacing must be positive");
  m.mask.reserve(v.size());
  for (double x : v) m.mask.push_back(static_cast<std::uint32_t>(static_cast<std::int64_t>(x)));
  m.shortnames = readStringList(file, group + "/" + shortName);
  m.descriptions = readStringList(file, group + "/" + descName);
  if (duration > 0 && std::abs(static_cast<double>(m.mask.size()) * m.dt - duration) > m.dt)
    fail(path, ds + " covers " + std::to_string(m.mask.size() * m.dt) + " s, expected the strain's " + std::to_string(duration) + " s");
  return m;
}

Handle createGroup(hid_t file, const char* name) { return Handle(H5Gcreate2(file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose); }

Handle fixedString(std::size_t n) {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t.id(), std::max<std::size_t>(n, 1));
  H5Tset_strpad(t.id(), H5T_STR_NULLPAD);
  return t;
}

void writeScalarString(hid_t loc, const char* name, const std::string& v) {
  Handle t = fixedString(v.size());
  Handle sp(H5Screate(H5S_SCALAR), H5Sclose);
  Handle d(H5Dcreate2(loc, name, t.id(), sp.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  H5Dwrite(d.id(), t.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.c_str());
}

void writeScalarInt(hid_t loc, const char* name, std::int64_t v) {
  Handle sp(H5Screate(H5S_SCALAR), H5Sclose);
  Handle d(H5Dcreate2(loc, name, H5T_STD_I64LE, sp.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  H5Dwrite(d.id(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v);
}

void writeStringList(hid_t loc, const char* name, const std::vector<std::string>& v) {
  std::size_t n = 1;
  for (const auto& s : v) n = std::max(n, s.size());
  Handle t = fixedString(n);
  std::vector<char> buf(n * v.size(), '\0');
  for (std::size_t i = 0; i < v.size(); ++i) std::copy(v[i].begin(), v[i].end(), buf.begin() + static_cast<std::ptrdiff_t>(i * n));
  const hsize_t dims[1] = {v.size()};
  Handle sp(H5Screate_simple(1, dims, nullptr), H5Sclose);
  Handle d(H5Dcreate2(loc, name, t.id(), sp.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  if (!v.empty()) H5Dwrite(d.id(), t.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
}

void attrDouble(hid_t obj, const char* name, double v) {
  Handle sp(H5Screate(H5S_SCALAR), H5Sclose);
  Handle a(H5Acreate2(obj, name, H5T_IEEE_F64LE, sp.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  H5Awrite(a.id(), H5T_NATIVE_DOUBLE, &v);
}
void attrInt(hid_t obj, const char* name, std::int64_t v) {
  Handle sp(H5Screate(H5S_SCALAR), H5Sclose);
  Handle a(H5Acreate2(obj, name, H5T_STD_I64LE, sp.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  H5Awrite(a.id(), H5T_NATIVE_INT64, &v);
}
void attrString(hid_t obj, const char* name, const std::string& v) {
  Handle t = fixedString(v.size());
  Handle sp(H5Screate(H5S_SCALAR), H5Sclose);
  Handle a(H5Acreate2(obj, name, t.id(), sp.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  H5Awrite(a.id(), t.id(), v.c_str());
}

void writeAxisAttrs(hid_t d, double t0, double dt, std::size_t n, const char* yunits) {
  attrInt(d, "Npoints", static_cast<std::int64_t>(n));
  attrString(d, "Xlabel", "GPS time");
  attrDouble(d, "Xspacing", dt);
  attrDouble(d, "Xstart", t0);
  attrString(d, "Xunits", "second");
  attrString(d, "Yunits", yunits);
}

void writeMask(hid_t file, const char* group, const char* maskName, const char* shortName, const char* descName,
               const BitMask& m, const std::string& metaChannel) {
  Handle g = createGroup(file, group);
  const hsize_t dims[1] = {m.mask.size()};
  Handle sp(H5Screate_simple(1, dims, nullptr), H5Sclose);
  Handle d(H5Dcreate2(g.id(), maskName, H5T_STD_I32LE, sp.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  std::vector<std::int32_t> v(m.mask.begin(), m.mask.end());
  if (!v.empty()) H5Dwrite(d.id(), H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  writeAxisAttrs(d.id(), m.t0, m.dt, m.mask.size(), "");
  writeStringList(g.id(), shortName, m.shortnames);
  writeStringList(g.id(), descName, m.descriptions);
  if (!metaChannel.empty()) writeScalarString(g.id(), "GWOSCmeta", metaChannel);
}

std::string rateTag(double rate) {
  const long r = std::lround(rate);
  return r % 1024 == 0 ? std::to_string(r / 1024) + "KHZ" : std::to_string(r) + "HZ";
}

std::string utcOf(double gps) {
  // GPS epoch 1980-01-06; 18 leap seconds since (valid from 2017).
  std::time_t t = static_cast<std::time_t>(315964800.0 + gps - (gps >= 1167264018 ? 18 : gps >= 1119744017 ? 17 : 16));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

std::vector<std::pair<double, double>> mergeRuns(const std::vector<bool>& on, double t0, double dt) {
  std::vector<std::pair<double, double>> out;
  std::size_t i = 0;
  while (i < on.size()) {
    if (!on[i]) { ++i; continue; }
    std::size_t j = i;
    while (j < on.size() && on[j]) ++j;
    out.emplace_back(t0 + static_cast<double>(i) * dt, t0 + static_cast<double>(j) * dt);
    i = j;
  }
  return out;
}

}  // namespace

std::vector<std::pair<double, double>> BitMask::segments(int bit) const {
  std::vector<bool> on(mask.size());
  for (std::size_t i = 0; i < mask.size(); ++i) on[i] = (mask[i] >> bit) & 1u;
  return mergeRuns(on, t0, dt);
}

double BitMask::secondsSet(int bit) const {
  double s = 0;
  for (std::uint32_t m : mask) s += ((m >> bit) & 1u) ? dt : 0;
  return s;
}

const char* strainLayoutName(StrainLayout l) {
  switch (l) {
    case StrainLayout::Gwosc: return "GWOSC";
    case StrainLayout::Losc: return "LOSC";
    case StrainLayout::Plain: return "plain HDF5";
  }
  return "?";
}

std::vector<std::pair<double, double>> StrainData::dataSegments() const {
  std::vector<bool> on(strain.values.size());
  for (std::size_t i = 0; i < on.size(); ++i) on[i] = std::isfinite(strain.values[i]);
  return mergeRuns(on, strain.t0, strain.dt());
}

namespace {

// The plain dataset to read: the one named, else the only 1-D numeric dataset with timing.
std::string plainDataset(const h5::File& f, const std::string& wanted) {
  if (!wanted.empty()) {
    if (!f.hasDataset(wanted)) fail(f.path(), "no dataset '" + wanted + "'");
    return wanted;
  }
  std::vector<std::string> found;
  for (const auto& d : f.datasets())
    if (d.shape.size() == 1 && d.shape[0] > 1 && (d.dtype.rfind("float", 0) == 0 || d.dtype.rfind("int", 0) == 0)) {
      Handle ds(H5Dopen2(f.id(), d.path.c_str(), H5P_DEFAULT), H5Dclose);
      const bool timed = attrExists(ds.id(), "Xspacing") || attrExists(ds.id(), "dx") ||
                         attrExists(ds.id(), "sample_rate") || attrExists(ds.id(), "fs");
      if (timed) found.push_back(d.path);
    }
  if (found.empty()) return "";
  return found.front();
}

}  // namespace

bool isStrainFile(const std::string& path) {
  if (!h5::isHdf5(path)) return false;
  h5::File f = h5::File::open(path);
  if (f.hasDataset("strain/Strain")) return true;
  return !plainDataset(f, "").empty();
}

StrainData readStrain(const std::string& path, const std::string& dataset) {
  h5::File f = h5::File::open(path);
  StrainData d;
  const bool gwosc = dataset.empty() && f.hasDataset("strain/Strain");
  std::string ds = gwosc ? "strain/Strain" : plainDataset(f, dataset);
  if (ds.empty())
    fail(path, "not a strain file: expected GWOSC's /strain/Strain (with Xstart and Xspacing attributes) or a 1-D "
               "dataset with a sample_rate or Xspacing attribute");
  d.strain.values = readSeries(f.id(), ds, path);
  f.checkNotTruncated();
  if (d.strain.values.size() < 2) fail(path, ds + " holds fewer than two samples");
  Handle h(H5Dopen2(f.id(), ds.c_str(), H5P_DEFAULT), H5Dclose);
  auto firstAttr = [&](std::initializer_list<const char*> names) -> const char* {
    for (const char* n : names)
      if (attrExists(h.id(), n)) return n;
    return nullptr;
  };
  if (gwosc) {
    for (const char* a : {"Xstart", "Xspacing"})
      if (!attrExists(h.id(), a)) fail(path, ds + ": attribute '" + std::string(a) + "' is missing (GWOSC files carry Xstart and Xspacing)");
    d.strain.t0 = readAttrDouble(h.id(), "Xstart", path, ds);
    const double dx = readAttrDouble(h.id(), "Xspacing", path, ds);
    if (!(dx > 0)) fail(path, ds + ": Xspacing must be positive, found " + std::to_string(dx));
    d.strain.rate = 1.0 / dx;
    if (std::abs(d.strain.rate - std::round(d.strain.rate)) < 1e-6) d.strain.rate = std::round(d.strain.rate);
    if (attrExists(h.id(), "Npoints")) {
      const double np = readAttrDouble(h.id(), "Npoints", path, ds);
      if (static_cast<std::size_t>(np) != d.strain.values.size())
        fail(path, ds + ": Npoints says " + std::to_string(static_cast<long long>(np)) + " samples, the dataset holds " +
                       std::to_string(d.strain.values.size()));
    }
    const std::string yunits = readAttrString(h.id(), "Yunits");
    d.strain.unit = yunits.empty() ? "strain" : yunits;
    d.detector = readScalarText(f.id(), "meta/Detector");
    d.observatory = readScalarText(f.id(), "meta/Observatory");
    d.description = readScalarText(f.id(), "meta/Description");
    const std::string meta = readScalarText(f.id(), "strain/GWOSCmeta");
    d.layout = meta.empty() ? StrainLayout::Losc : StrainLayout::Gwosc;
    std::string chan = meta.empty() ? "LOSC-STRAIN" : meta;
    d.strain.channel = d.detector.empty() ? chan : d.detector + ":" + chan;
    const std::string gpsStart = readScalarText(f.id(), "meta/GPSstart");
    if (!gpsStart.empty() && std::abs(std::stod(gpsStart) - d.strain.t0) > 1.0)
      fail(path, "meta/GPSstart (" + gpsStart + ") disagrees with strain/Strain's Xstart");
    d.quality = readMask(f.id(), "quality/simple", "DQmask", "DQShortnames", "DQDescriptions", path, d.strain.t0,
                         d.strain.duration());
    d.injections = readMask(f.id(), "quality/injections", "Injmask", "InjShortnames", "InjDescriptions", path,
                            d.strain.t0, d.strain.duration());
  } else {
    d.layout = StrainLayout::Plain;
    const char* t0 = firstAttr({"Xstart", "x0", "t0", "epoch"});
    d.strain.t0 = t0 ? readAttrDouble(h.id(), t0, path, ds) : 0.0;
    if (const char* dx = firstAttr({"Xspacing", "dx"})) {
      const double v = readAttrDouble(h.id(), dx, path, ds);
      if (!(v > 0)) fail(path, ds + ": attribute '" + std::string(dx) + "' must be positive");
      d.strain.rate = 1.0 / v;
      if (std::abs(d.strain.rate - std::round(d.strain.rate)) < 1e-6) d.strain.rate = std::round(d.strain.rate);
    } else if (const char* fs = firstAttr({"sample_rate", "fs"})) {
      d.strain.rate = readAttrDouble(h.id(), fs, path, ds);
      if (!(d.strain.rate > 0)) fail(path, ds + ": attribute '" + std::string(fs) + "' must be positive");
    } else {
      fail(path, ds + ": no sample rate (expected an attribute sample_rate, fs, Xspacing or dx)");
    }
    d.strain.channel = readAttrString(h.id(), "channel");
    if (d.strain.channel.empty()) d.strain.channel = ds.substr(ds.find_last_of('/') + 1);
    const std::string unit = readAttrString(h.id(), "unit");
    if (!unit.empty()) d.strain.unit = unit;
    d.detector = d.strain.channel.size() > 2 && d.strain.channel[2] == ':' ? d.strain.channel.substr(0, 2) : "";
  }
  return d;
}

BitMask gwoscQualityBits(double t0, std::size_t seconds) {
  BitMask m;
  m.t0 = t0;
  m.mask.assign(seconds, 0x7fu);
  m.shortnames = {"DATA", "CBC_CAT1", "CBC_CAT2", "CBC_CAT3", "BURST_CAT1", "BURST_CAT2", "BURST_CAT3"};
  m.descriptions = {"data present",
                    "passes the compact-binary search's category 1 vetoes",
                    "passes the compact-binary search's category 2 vetoes",
                    "passes the compact-binary search's category 3 vetoes",
                    "passes the burst search's category 1 vetoes",
                    "passes the burst search's category 2 vetoes",
                    "passes the burst search's category 3 vetoes"};
  return m;
}

BitMask gwoscInjectionBits(double t0, std::size_t seconds) {
  BitMask m;
  m.t0 = t0;
  m.mask.assign(seconds, 0x1fu);
  m.shortnames = {"NO_CBC_HW_INJ", "NO_BURST_HW_INJ", "NO_DETCHAR_HW_INJ", "NO_CW_HW_INJ", "NO_STOCH_HW_INJ"};
  m.descriptions = {"no compact-binary hardware injection", "no burst hardware injection",
                    "no detector-characterisation hardware injection", "no continuous-wave hardware injection",
                    "no stochastic hardware injection"};
  return m;
}

std::string strainFileName(const StrainData& d) {
  const std::string det = d.detector.empty() ? "X1" : d.detector;
  const long gps = std::lround(std::floor(d.strain.t0));
  const long dur = std::lround(std::ceil(d.strain.duration()));
  const std::string tag = d.layout == StrainLayout::Losc ? "LOSC_" + std::to_string(std::lround(d.strain.rate / 1024)) + "_V1"
                                                         : "GWOSC_" + rateTag(d.strain.rate) + "_R1";
  return det.substr(0, 1) + "-" + det + "_" + tag + "-" + std::to_string(gps) + "-" + std::to_string(dur) + ".hdf5";
}

void writeStrain(const std::string& path, const StrainData& d) {
  if (!(d.strain.rate > 0) || d.strain.values.empty())
    throw std::invalid_argument("writeStrain('" + path + "'): the series has no samples or no rate");
  io::writeAtomic(path, [&](const std::filesystem::path& tmp) {
    h5::silenceErrorStack();
    Handle f(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (!f.valid()) throw std::runtime_error("'" + path + "': cannot create the file");
    const bool losc = d.layout == StrainLayout::Losc;
    const std::string det = d.detector.empty() ? "X1" : d.detector;
    const std::string tag = rateTag(d.strain.rate) + "_R1";
    {
      Handle g = createGroup(f.id(), "meta");
      writeScalarString(g.id(), "Description", d.description.empty() ? "Strain data time series from TwinForge" : d.description);
      writeScalarString(g.id(), "DescriptionURL", losc ? "https://losc.ligo.org/" : "https://gwosc.org/");
      writeScalarString(g.id(), "Detector", det);
      writeScalarInt(g.id(), "Duration", std::llround(std::ceil(d.strain.duration())));
      writeScalarInt(g.id(), "GPSstart", std::llround(std::floor(d.strain.t0)));
      writeScalarString(g.id(), "Observatory", d.observatory.empty() ? det.substr(0, 1) : d.observatory);
      writeScalarString(g.id(), "Type", "StrainTimeSeries");
      writeScalarString(g.id(), "UTCstart", utcOf(d.strain.t0));
    }
    {
      Handle g = createGroup(f.id(), "strain");
      const hsize_t n = d.strain.values.size();
      const hsize_t chunk = std::min<hsize_t>(n, 65536);
      Handle sp(H5Screate_simple(1, &n, nullptr), H5Sclose);
      Handle pl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
      H5Pset_chunk(pl.id(), 1, &chunk);
      Handle ds(H5Dcreate2(g.id(), "Strain", H5T_IEEE_F64LE, sp.id(), H5P_DEFAULT, pl.id(), H5P_DEFAULT), H5Dclose);
      if (!ds.valid() || H5Dwrite(ds.id(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d.strain.values.data()) < 0)
        throw std::runtime_error("'" + path + "': cannot write strain/Strain");
      writeAxisAttrs(ds.id(), d.strain.t0, 1.0 / d.strain.rate, d.strain.values.size(), d.strain.unit.c_str());
      if (!losc) writeScalarString(g.id(), "GWOSCmeta", "GWOSC-" + tag + "_STRAIN");
    }
    Handle q = createGroup(f.id(), "quality");
    (void)q;
    const std::size_t secs = static_cast<std::size_t>(std::ceil(d.strain.duration()));
    const BitMask dq = d.quality.mask.empty() ? gwoscQualityBits(std::floor(d.strain.t0), secs) : d.quality;
    const BitMask inj = d.injections.mask.empty() ? gwoscInjectionBits(std::floor(d.strain.t0), secs) : d.injections;
    writeMask(f.id(), "quality/simple", "DQmask", "DQShortnames", "DQDescriptions", dq, losc ? "" : "GWOSC-" + tag + "_DQMASK");
    writeMask(f.id(), "quality/injections", "Injmask", "InjShortnames", "InjDescriptions", inj,
              losc ? "" : "GWOSC-" + tag + "_INJMASK");
    if (H5Fflush(f.id(), H5F_SCOPE_GLOBAL) < 0) throw std::runtime_error("'" + path + "': cannot write the file");
  });
}

std::string describeStrain(const StrainData& d) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(1);
  s << "strain file (" << strainLayoutName(d.layout) << ")\n";
  s << "  detector:    " << (d.detector.empty() ? "unknown" : d.detector) << "\n";
  s << "  channel:     " << d.strain.channel << "\n";
  s.precision(3);
  s << "  GPS span:    " << d.strain.t0 << " .. " << d.strain.end() << " (" << d.strain.duration() << " s)\n";
  s.precision(0);
  s << "  sample rate: " << d.strain.rate << " Hz, " << d.strain.values.size() << " samples, unit " << d.strain.unit << "\n";
  const auto segs = d.dataSegments();
  double have = 0;
  for (const auto& [a, b] : segs) have += b - a;
  s.precision(1);
  s << "  data:        " << segs.size() << " segment(s), " << have << " s with samples";
  if (have < d.strain.duration()) s << ", " << d.strain.duration() - have << " s of gaps (NaN)";
  s << "\n";
  auto bits = [&](const char* title, const BitMask& m) {
    if (m.mask.empty()) return;
    s << "  " << title << " (" << m.mask.size() << " x " << m.dt << " s):\n";
    for (std::size_t b = 0; b < m.shortnames.size(); ++b)
      s << "    bit " << b << " " << m.shortnames[b] << ": " << m.secondsSet(static_cast<int>(b)) << " s set\n";
  };
  bits("data quality", d.quality);
  bits("injections", d.injections);
  return s.str();
}

}  // namespace tf::data
