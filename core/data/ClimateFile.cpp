#include "data/ClimateFile.h"

#include <netcdf.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace tf::climate {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("'" + path + "': " + what);
}

void check(int status, const std::string& path, const std::string& doing) {
  if (status != NC_NOERR) fail(path, doing + ": " + nc_strerror(status));
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string textAttribute(int ncid, int varid, const char* name) {
  nc_type type;
  std::size_t len = 0;
  if (nc_inq_att(ncid, varid, name, &type, &len) != NC_NOERR || type != NC_CHAR) return {};
  std::string s(len, '\0');
  if (nc_get_att_text(ncid, varid, name, s.data()) != NC_NOERR) return {};
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

bool numberAttribute(int ncid, int varid, const char* name, double* out) {
  nc_type type;
  std::size_t len = 0;
  if (nc_inq_att(ncid, varid, name, &type, &len) != NC_NOERR || len < 1 || type == NC_CHAR || type == NC_STRING)
    return false;
  std::vector<double> v(len);
  if (nc_get_att_double(ncid, varid, name, v.data()) != NC_NOERR) return false;
  *out = v[0];
  return true;
}

const char* typeName(nc_type t) {
  switch (t) {
    case NC_BYTE: return "byte";
    case NC_UBYTE: return "ubyte";
    case NC_SHORT: return "short";
    case NC_USHORT: return "ushort";
    case NC_INT: return "int";
    case NC_UINT: return "uint";
    case NC_INT64: return "int64";
    case NC_UINT64: return "uint64";
    case NC_FLOAT: return "float";
    case NC_DOUBLE: return "double";
    case NC_CHAR: return "char";
    default: return "other";
  }
}

const int kCum[2][13] = {{0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365},
                         {0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366}};

enum class Cal { Gregorian, NoLeap, AllLeap, Day360, Julian };

Cal calendarOf(const std::string& name) {
  const std::string c = lower(name);
  if (c.empty() || c == "standard" || c == "gregorian" || c == "proleptic_gregorian") return Cal::Gregorian;
  if (c == "noleap" || c == "365_day") return Cal::NoLeap;
  if (c == "all_leap" || c == "366_day") return Cal::AllLeap;
  if (c == "360_day") return Cal::Day360;
  if (c == "julian") return Cal::Julian;
  throw std::runtime_error("unknown calendar '" + name +
                           "' (expected standard, gregorian, proleptic_gregorian, noleap, 365_day, all_leap, "
                           "366_day, 360_day or julian)");
}

// Proleptic Gregorian days since 0001-01-01 (H. Hinnant's civil algorithm, shifted).
long long gregorianDays(long long y, int m, int d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const long long yoe = y - era * 400;
  const long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 306;  // 0001-01-01 is day 0
}

void gregorianDate(long long days, long long* y, int* m, int* d) {
  long long z = days + 306;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const long long doe = z - era * 146097;
  const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long long mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

}  // namespace

long long daysFromCivil(const std::string& calendar, int y, int m, int d) {
  if (m < 1 || m > 12 || d < 1 || d > 31) throw std::runtime_error("invalid date " + std::to_string(y) + "-" +
                                                                    std::to_string(m) + "-" + std::to_string(d));
  const long long yy = y - 1;
  switch (calendarOf(calendar)) {
    case Cal::Gregorian: return gregorianDays(y, m, d);
    case Cal::NoLeap: return yy * 365 + kCum[0][m - 1] + d - 1;
    case Cal::AllLeap: return yy * 366 + kCum[1][m - 1] + d - 1;
    case Cal::Day360: return yy * 360 + (m - 1) * 30 + d - 1;
    case Cal::Julian: return yy * 365 + yy / 4 + kCum[y % 4 == 0][m - 1] + d - 1;
  }
  return 0;
}

std::string isoFromHours(const std::string& calendar, double hours) {
  const double minutesTotal = std::round(hours * 60);
  long long days = static_cast<long long>(std::floor(minutesTotal / 1440));
  const int minuteOfDay = static_cast<int>(minutesTotal - static_cast<double>(days) * 1440);
  long long y = 1;
  int m = 1, d = 1;
  auto fromYearLength = [&](int yearLen, const int* cum) {
    y = days / yearLen + 1;
    int doy = static_cast<int>(days % yearLen);
    m = 1;
    while (m < 12 && doy >= cum[m]) ++m;
    d = doy - cum[m - 1] + 1;
  };
  switch (calendarOf(calendar)) {
    case Cal::Gregorian: gregorianDate(days, &y, &m, &d); break;
    case Cal::NoLeap: fromYearLength(365, kCum[0]); break;
    case Cal::AllLeap: fromYearLength(366, kCum[1]); break;
    case Cal::Day360:
      y = days / 360 + 1;
      m = static_cast<int>(days % 360) / 30 + 1;
      d = static_cast<int>(days % 360) % 30 + 1;
      break;
    case Cal::Julian: {
      const long long cycles = days / 1461, rest = days % 1461;
      long long yi = std::min<long long>(rest / 365, 3);
      y = cycles * 4 + yi + 1;
      const int doy = static_cast<int>(rest - yi * 365);
      const int* cum = kCum[y % 4 == 0];
      m = 1;
      while (m < 12 && doy >= cum[m]) ++m;
      d = doy - cum[m - 1] + 1;
      break;
    }
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d %02d:%02d", y, m, d, minuteOfDay / 60, minuteOfDay % 60);
  return buf;
}

double hoursFromIso(const std::string& calendar, const std::string& iso) {
  int y = 0, m = 0, d = 0, hh = 0, mm = 0;
  double ss = 0;
  std::string t = iso;
  std::replace(t.begin(), t.end(), 'T', ' ');
  const int n = std::sscanf(t.c_str(), "%d-%d-%d %d:%d:%lf", &y, &m, &d, &hh, &mm, &ss);
  if (n < 3) throw std::runtime_error("'" + iso + "' is not a date (expected YYYY-MM-DD[ HH:MM[:SS]])");
  return static_cast<double>(daysFromCivil(calendar, y, m, d)) * 24 + hh + mm / 60.0 + ss / 3600.0;
}

namespace {

// "hours since 1900-01-01 00:00:00.0" -> hours per unit and the reference in hours since 0001-01-01.
void parseTimeUnits(const std::string& units, const std::string& calendar, double* hoursPerUnit, double* refHours) {
  std::istringstream in(units);
  std::string unit, since;
  in >> unit >> since;
  if (lower(since) != "since") throw std::runtime_error("time units '" + units + "' are not '<unit> since <date>'");
  unit = lower(unit);
  if (unit.rfind("day", 0) == 0 || unit == "d") *hoursPerUnit = 24;
  else if (unit.rfind("hour", 0) == 0 || unit == "h" || unit == "hr") *hoursPerUnit = 1;
  else if (unit.rfind("minute", 0) == 0 || unit == "min") *hoursPerUnit = 1.0 / 60;
  else if (unit.rfind("second", 0) == 0 || unit == "s" || unit == "sec") *hoursPerUnit = 1.0 / 3600;
  else throw std::runtime_error("time units '" + units + "': unknown unit '" + unit + "' (expected days, hours, minutes or seconds)");
  std::string rest;
  std::getline(in, rest);
  const auto first = rest.find_first_not_of(' ');
  if (first == std::string::npos) throw std::runtime_error("time units '" + units + "' have no reference date");
  *refHours = hoursFromIso(calendar, rest.substr(first));
}

}  // namespace

ClimateFile::ClimateFile(const std::string& path) : path_(path) {
  if (!fs::exists(path)) fail(path, "no such file");
  const int st = nc_open(path.c_str(), NC_NOWRITE, &ncid_);
  if (st != NC_NOERR) {
    ncid_ = -1;
    fail(path, std::string("not a netCDF file (") + nc_strerror(st) + ")");
  }
  try {
    nc_inq_format(ncid_, &format_);
    int nvars = 0;
    check(nc_inq_nvars(ncid_, &nvars), path, "listing variables");
    // Coordinates by name or by their CF units.
    for (int v = 0; v < nvars; ++v) {
      char name[NC_MAX_NAME + 1];
      nc_type type;
      int ndims = 0;
      int dimids[NC_MAX_VAR_DIMS];
      check(nc_inq_var(ncid_, v, name, &type, &ndims, dimids, nullptr), path, "reading a variable");
      VariableInfo info;
      info.name = name;
      info.units = textAttribute(ncid_, v, "units");
      info.longName = textAttribute(ncid_, v, "long_name");
      info.storedType = typeName(type);
      double dummy;
      info.packed = numberAttribute(ncid_, v, "scale_factor", &dummy) || numberAttribute(ncid_, v, "add_offset", &dummy);
      for (int k = 0; k < ndims; ++k) {
        char dn[NC_MAX_NAME + 1];
        std::size_t len = 0;
        check(nc_inq_dim(ncid_, dimids[k], dn, &len), path, "reading a dimension");
        info.dims.push_back(dn);
        info.shape.push_back(len);
      }
      if (ndims == 1) {
        const std::string n = lower(info.name), u = lower(info.units);
        if (n == "lat" || n == "latitude" || u == "degrees_north" || u == "degree_north") latDim_ = info.dims[0];
        else if (n == "lon" || n == "longitude" || u == "degrees_east" || u == "degree_east") lonDim_ = info.dims[0];
        else if (n == "time" || u.find(" since ") != std::string::npos) timeDim_ = info.dims[0];
      }
      vars_.push_back(info);
      varIds_.push_back(v);
    }
    if (latDim_.empty() || lonDim_.empty())
      fail(path, "no latitude/longitude coordinate variables (expected 'lat'/'latitude' and 'lon'/'longitude', or "
                 "units degrees_north/degrees_east)");
    auto readCoord = [&](const std::string& dim) {
      for (std::size_t k = 0; k < vars_.size(); ++k)
        if (vars_[k].dims.size() == 1 && vars_[k].dims[0] == dim &&
            (vars_[k].name == dim || lower(vars_[k].units).find("degree") == 0 || lower(vars_[k].units).find(" since ") != std::string::npos)) {
          std::vector<double> v(vars_[k].shape[0]);
          check(nc_get_var_double(ncid_, varIds_[k], v.data()), path, "reading '" + vars_[k].name + "'");
          return std::make_pair(v, k);
        }
      fail(path, "dimension '" + dim + "' has no coordinate variable");
    };
    auto [lat, latVar] = readCoord(latDim_);
    auto [lon, lonVar] = readCoord(lonDim_);
    if (lat.empty() || lon.empty()) fail(path, "the latitude or longitude axis is empty");
    latDescending_ = lat.size() > 1 && lat.front() > lat.back();
    if (latDescending_) std::reverse(lat.begin(), lat.end());
    for (std::size_t i = 1; i < lat.size(); ++i)
      if (!(lat[i] > lat[i - 1])) fail(path, "latitude '" + vars_[latVar].name + "' is not monotonic");
    // Longitude to [0, 360) and rotated so it ascends from the smallest value ...
    for (double& x : lon) x = std::fmod(std::fmod(x, 360.0) + 360.0, 360.0);
    lonShift_ = static_cast<std::size_t>(std::min_element(lon.begin(), lon.end()) - lon.begin());
    std::rotate(lon.begin(), lon.begin() + static_cast<long>(lonShift_), lon.end());
    for (std::size_t j = 1; j < lon.size(); ++j)
      if (!(lon[j] > lon[j - 1])) fail(path, "longitude '" + vars_[lonVar].name + "' is not monotonic (after wrapping to 0..360)");
    // ... but a regional grid starts after the widest gap between its longitudes (the part of
    // the circle it does not cover), so a crop across 0 degrees (-20..20) stays in one piece and
    // reads 340..380; a global grid (no gap wider than its spacing) starts at its smallest.
    if (lon.size() > 1) {
      std::size_t widest = lon.size() - 1;  // the gap from the last back round to the first
      double gap = lon.front() + 360 - lon.back();
      for (std::size_t j = 0; j + 1 < lon.size(); ++j)
        if (lon[j + 1] - lon[j] > gap) gap = lon[j + 1] - lon[j], widest = j;
      if (widest + 1 < lon.size()) {
        std::rotate(lon.begin(), lon.begin() + static_cast<long>(widest + 1), lon.end());
        lonShift_ = (lonShift_ + widest + 1) % lon.size();
        for (std::size_t j = 1; j < lon.size(); ++j)
          if (lon[j] < lon[j - 1]) lon[j] += 360;
      }
    }
    lat_ = lat;
    lon_ = lon;
    if (!timeDim_.empty()) {
      for (std::size_t k = 0; k < vars_.size(); ++k) {
        if (vars_[k].dims.size() != 1 || vars_[k].dims[0] != timeDim_) continue;
        time_.units = vars_[k].units;
        const std::string cal = textAttribute(ncid_, varIds_[k], "calendar");
        if (!cal.empty()) time_.calendar = cal;
        time_.offsets.resize(vars_[k].shape[0]);
        check(nc_get_var_double(ncid_, varIds_[k], time_.offsets.data()), path, "reading '" + vars_[k].name + "'");
        try {
          double ref = 0;
          parseTimeUnits(time_.units, time_.calendar, &time_.hoursPerUnit, &ref);
          for (double o : time_.offsets) time_.iso.push_back(isoFromHours(time_.calendar, ref + o * time_.hoursPerUnit));
        } catch (const std::exception& e) {
          fail(path, "variable '" + vars_[k].name + "': " + e.what());
        }
        break;
      }
    }
    for (auto& v : vars_) {
      const bool hasLat = std::find(v.dims.begin(), v.dims.end(), latDim_) != v.dims.end();
      const bool hasLon = std::find(v.dims.begin(), v.dims.end(), lonDim_) != v.dims.end();
      std::size_t others = 0;
      for (std::size_t k = 0; k < v.dims.size(); ++k)
        if (v.dims[k] != latDim_ && v.dims[k] != lonDim_ && v.dims[k] != timeDim_ && v.shape[k] != 1) ++others;
      v.isField = hasLat && hasLon && others == 0 && v.storedType != "char";
    }
  } catch (...) {
    nc_close(ncid_);
    ncid_ = -1;
    throw;
  }
}

ClimateFile::~ClimateFile() {
  if (ncid_ >= 0) nc_close(ncid_);
}

std::string ClimateFile::formatName() const {
  switch (format_) {
    case NC_FORMAT_CLASSIC: return "netCDF-3 classic";
    case NC_FORMAT_64BIT_OFFSET: return "netCDF-3 64-bit offset";
    case NC_FORMAT_CDF5: return "netCDF-3 64-bit data (CDF5)";
    case NC_FORMAT_NETCDF4: return "netCDF-4";
    case NC_FORMAT_NETCDF4_CLASSIC: return "netCDF-4 classic model";
    default: return "netCDF";
  }
}

std::vector<std::string> ClimateFile::fieldNames() const {
  std::vector<std::string> out;
  for (const auto& v : vars_)
    if (v.isField) out.push_back(v.name);
  return out;
}

const VariableInfo& ClimateFile::variable(const std::string& name) const {
  for (const auto& v : vars_)
    if (v.name == name) return v;
  std::string known;
  for (const auto& f : fieldNames()) known += (known.empty() ? "" : ", ") + f;
  fail(path_, "no variable '" + name + "' (fields here: " + (known.empty() ? "none" : known) + ")");
}

Field ClimateFile::read(const std::string& name, std::size_t t) const {
  const VariableInfo& v = variable(name);
  if (!v.isField)
    fail(path_, "variable '" + name + "' is not a field on the lat/lon grid (dimensions " +
                    [&] {
                      std::string s;
                      for (const auto& d : v.dims) s += (s.empty() ? "" : ", ") + d;
                      return s;
                    }() + "; expected (" + (timeDim_.empty() ? "" : timeDim_ + ", ") + latDim_ + ", " + lonDim_ + ")");
  const std::size_t nt = timeSteps();
  if (t >= nt) fail(path_, "variable '" + name + "': time step " + std::to_string(t) + " is out of range (0.." +
                               std::to_string(nt - 1) + ")");
  const std::size_t idx = static_cast<std::size_t>(&v - vars_.data());
  const int varid = varIds_[idx];
  std::vector<std::size_t> start(v.dims.size(), 0), count(v.dims.size(), 1);
  std::size_t latPos = 0, lonPos = 0;
  for (std::size_t k = 0; k < v.dims.size(); ++k) {
    if (v.dims[k] == latDim_) count[k] = v.shape[k], latPos = k;
    else if (v.dims[k] == lonDim_) count[k] = v.shape[k], lonPos = k;
    else if (v.dims[k] == timeDim_) start[k] = t;
  }
  const std::size_t nlat = lat_.size(), nlon = lon_.size();
  std::vector<float> raw(nlat * nlon);
  check(nc_get_vara_float(ncid_, varid, start.data(), count.data(), raw.data()), path_, "reading '" + name + "'");
  double fill = 0, missing = 0, scale = 1, offset = 0;
  const bool hasFill = numberAttribute(ncid_, varid, "_FillValue", &fill);
  const bool hasMissing = numberAttribute(ncid_, varid, "missing_value", &missing);
  numberAttribute(ncid_, varid, "scale_factor", &scale);
  numberAttribute(ncid_, varid, "add_offset", &offset);
  const float fillF = static_cast<float>(fill), missingF = static_cast<float>(missing);
  Field f;
  f.nlat = nlat;
  f.nlon = nlon;
  f.values.resize(nlat * nlon);
  for (std::size_t i = 0; i < nlat; ++i) {
    const std::size_t fi = latDescending_ ? nlat - 1 - i : i;
    for (std::size_t j = 0; j < nlon; ++j) {
      const std::size_t fj = (lonShift_ + j) % nlon;
      const float r = latPos < lonPos ? raw[fi * nlon + fj] : raw[fj * nlat + fi];
      f.values[i * nlon + j] = (hasFill && r == fillF) || (hasMissing && r == missingF) || std::isnan(r)
                                   ? std::numeric_limits<float>::quiet_NaN()
                                   : static_cast<float>(r * scale + offset);
    }
  }
  return f;
}

void writeClimateFile(const std::string& path, const std::vector<double>& lat, const std::vector<double>& lon,
                      const std::vector<WriteVariable>& vars, const WriteOptions& opt) {
  const std::size_t nlat = lat.size(), nlon = lon.size(), nt = opt.timeOffsets.size();
  const std::size_t perStep = nlat * nlon, steps = nt ? nt : 1;
  for (const auto& v : vars)
    if (v.values.size() != perStep * steps)
      throw std::invalid_argument("writeClimateFile: variable '" + v.name + "' has " + std::to_string(v.values.size()) +
                                  " values, the grid needs " + std::to_string(perStep * steps));
  const fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  const std::string part = path + ".part";
  int mode = NC_CLOBBER;
  if (opt.format == WriteOptions::Format::Offset64) mode |= NC_64BIT_OFFSET;
  if (opt.format == WriteOptions::Format::NetCdf4) mode |= NC_NETCDF4;
  int nc = -1;
  check(nc_create(part.c_str(), mode, &nc), path, "creating");
  try {
    int dt = -1, dlat, dlon;
    if (nt) check(nc_def_dim(nc, "time", nt, &dt), path, "defining time");
    check(nc_def_dim(nc, "latitude", nlat, &dlat), path, "defining latitude");
    check(nc_def_dim(nc, "longitude", nlon, &dlon), path, "defining longitude");
    int vlat, vlon, vt = -1;
    check(nc_def_var(nc, "latitude", NC_FLOAT, 1, &dlat, &vlat), path, "defining latitude");
    check(nc_def_var(nc, "longitude", NC_FLOAT, 1, &dlon, &vlon), path, "defining longitude");
    auto putText = [&](int var, const char* name, const std::string& value) {
      check(nc_put_att_text(nc, var, name, value.size(), value.c_str()), path, std::string("writing attribute ") + name);
    };
    putText(vlat, "units", "degrees_north");
    putText(vlat, "long_name", "latitude");
    putText(vlon, "units", "degrees_east");
    putText(vlon, "long_name", "longitude");
    const bool intTimes = std::all_of(opt.timeOffsets.begin(), opt.timeOffsets.end(),
                                      [](double x) { return x == std::round(x) && std::fabs(x) < 2e9; });
    if (nt) {
      check(nc_def_var(nc, "time", intTimes ? NC_INT : NC_DOUBLE, 1, &dt, &vt), path, "defining time");
      putText(vt, "units", opt.timeUnits);
      putText(vt, "long_name", "time");
      putText(vt, "calendar", opt.calendar);
    }
    if (!opt.title.empty()) putText(NC_GLOBAL, "title", opt.title);
    putText(NC_GLOBAL, "Conventions", "CF-1.6");
    std::vector<int> dims;
    if (nt) dims.push_back(dt);
    dims.push_back(dlat);
    dims.push_back(dlon);
    std::vector<int> ids;
    std::vector<std::pair<double, double>> packing;  // scale, offset
    const short kFillShort = -32767;
    const float kFillFloat = NC_FILL_FLOAT;
    for (const auto& v : vars) {
      int id;
      check(nc_def_var(nc, v.name.c_str(), opt.packInt16 ? NC_SHORT : NC_FLOAT, static_cast<int>(dims.size()), dims.data(), &id),
            path, "defining '" + v.name + "'");
      if (!v.units.empty()) putText(id, "units", v.units);
      if (!v.longName.empty()) putText(id, "long_name", v.longName);
      if (opt.packInt16) {
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (float x : v.values)
          if (!std::isnan(x)) lo = std::min(lo, static_cast<double>(x)), hi = std::max(hi, static_cast<double>(x));
        if (!(lo <= hi)) lo = hi = 0;
        const double scale = hi > lo ? (hi - lo) / 65532.0 : 1.0, offset = (hi + lo) / 2;
        check(nc_put_att_double(nc, id, "scale_factor", NC_DOUBLE, 1, &scale), path, "writing scale_factor");
        check(nc_put_att_double(nc, id, "add_offset", NC_DOUBLE, 1, &offset), path, "writing add_offset");
        check(nc_put_att_short(nc, id, "_FillValue", NC_SHORT, 1, &kFillShort), path, "writing _FillValue");
        check(nc_put_att_short(nc, id, "missing_value", NC_SHORT, 1, &kFillShort), path, "writing missing_value");
        packing.emplace_back(scale, offset);
      } else {
        check(nc_put_att_float(nc, id, "_FillValue", NC_FLOAT, 1, &kFillFloat), path, "writing _FillValue");
        packing.emplace_back(1.0, 0.0);
      }
      ids.push_back(id);
    }
    check(nc_enddef(nc), path, "ending definitions");
    // Coordinates in the file's orientation.
    std::vector<float> latOut(lat.begin(), lat.end());
    if (opt.latDescending) std::reverse(latOut.begin(), latOut.end());
    std::size_t shift = 0;  // the column of the first stored longitude
    std::vector<float> lonOut(nlon);
    if (opt.lonSigned) {  // stored from -180 up where the grid passes 180
      while (shift < nlon && std::fmod(std::fmod(lon[shift], 360.0) + 360.0, 360.0) < 180) ++shift;
      if (shift == nlon || shift == 0) shift = 0;
    }
    for (std::size_t j = 0; j < nlon; ++j) {
      double x = std::fmod(std::fmod(lon[(shift + j) % nlon], 360.0) + 360.0, 360.0);
      if (opt.lonSigned && x >= 180) x -= 360;
      lonOut[j] = static_cast<float>(x);
    }
    check(nc_put_var_float(nc, vlat, latOut.data()), path, "writing latitude");
    check(nc_put_var_float(nc, vlon, lonOut.data()), path, "writing longitude");
    if (nt) check(nc_put_var_double(nc, vt, opt.timeOffsets.data()), path, "writing time");
    for (std::size_t k = 0; k < vars.size(); ++k) {
      const auto [scale, offset] = packing[k];
      for (std::size_t s = 0; s < steps; ++s) {
        std::vector<short> packed(opt.packInt16 ? perStep : 0);
        std::vector<float> plain(opt.packInt16 ? 0 : perStep);
        for (std::size_t i = 0; i < nlat; ++i) {
          const std::size_t si = opt.latDescending ? nlat - 1 - i : i;
          for (std::size_t j = 0; j < nlon; ++j) {
            const float x = vars[k].values[s * perStep + si * nlon + (shift + j) % nlon];
            if (opt.packInt16)
              packed[i * nlon + j] = std::isnan(x) ? kFillShort
                                                   : static_cast<short>(std::clamp(std::lround((x - offset) / scale), -32766L, 32766L));
            else
              plain[i * nlon + j] = std::isnan(x) ? kFillFloat : x;
          }
        }
        std::vector<std::size_t> start, count;
        if (nt) start.push_back(s), count.push_back(1);
        start.push_back(0), start.push_back(0);
        count.push_back(nlat), count.push_back(nlon);
        if (opt.packInt16)
          check(nc_put_vara_short(nc, ids[k], start.data(), count.data(), packed.data()), path, "writing '" + vars[k].name + "'");
        else
          check(nc_put_vara_float(nc, ids[k], start.data(), count.data(), plain.data()), path, "writing '" + vars[k].name + "'");
      }
    }
    check(nc_close(nc), path, "closing");
    nc = -1;
    fs::rename(part, target);
  } catch (...) {
    if (nc >= 0) nc_close(nc);
    std::error_code ec;
    fs::remove(part, ec);
    throw;
  }
}

namespace {

std::vector<std::string> splitCsv(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    else if (c == ',' && !quoted) out.push_back(cur), cur.clear();
    else if (c != '\r') cur += c;
  }
  out.push_back(cur);
  for (auto& s : out) {
    const auto a = s.find_first_not_of(' '), b = s.find_last_not_of(' ');
    s = a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
  }
  return out;
}

}  // namespace

std::vector<Track> readTracks(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(path, "cannot open the track table");
  std::string line;
  if (!std::getline(in, line)) fail(path, "empty track table (expected a header line)");
  const auto header = splitCsv(line);
  std::map<std::string, int> col;
  for (std::size_t k = 0; k < header.size(); ++k) col[lower(header[k])] = static_cast<int>(k);
  auto pick = [&](std::initializer_list<const char*> names, std::string* which) {
    for (const char* n : names)
      if (col.count(n)) {
        if (which) *which = n;
        return col[n];
      }
    return -1;
  };
  std::string presName, windName;
  const int cId = pick({"track_id", "sid", "id"}, nullptr), cTime = pick({"time", "iso_time"}, nullptr);
  const int cLat = pick({"lat", "latitude"}, nullptr), cLon = pick({"lon", "longitude"}, nullptr);
  const int cPres = pick({"msl", "wmo_pres", "usa_pres", "pres"}, &presName);
  const int cWind = pick({"wind", "wmo_wind", "usa_wind"}, &windName);
  const int cScore = pick({"score"}, nullptr);
  if (cId < 0 || cTime < 0 || cLat < 0 || cLon < 0)
    fail(path, "line 1: a track table needs columns track_id (or SID), time (or ISO_TIME), lat and lon; found '" + line + "'");
  const double presFactor = presName == "msl" ? 1.0 : 100.0;        // IBTrACS: hPa
  const double windFactor = windName == "wind" ? 1.0 : 0.514444;    // IBTrACS: knots
  std::vector<Track> tracks;
  std::map<std::string, std::size_t> index;
  int lineNo = 1;
  while (std::getline(in, line)) {
    ++lineNo;
    if (line.find_first_not_of(" \r") == std::string::npos) continue;
    const auto f = splitCsv(line);
    auto field = [&](int c) { return c >= 0 && c < static_cast<int>(f.size()) ? f[static_cast<std::size_t>(c)] : std::string(); };
    auto number = [&](int c, const char* what, bool required, double* out) {
      const std::string s = field(c);
      if (s.empty()) {
        if (required) fail(path, "line " + std::to_string(lineNo) + ": column '" + what + "' is empty");
        return false;
      }
      try {
        std::size_t used = 0;
        *out = std::stod(s, &used);
        if (used != s.size()) throw std::invalid_argument(s);
      } catch (const std::exception&) {
        if (lineNo == 2 && required) return false;  // IBTrACS's line of units
        fail(path, "line " + std::to_string(lineNo) + ": column '" + what + "': expected a number, got '" + s + "'");
      }
      return true;
    };
    TrackPoint p;
    if (!number(cLat, "lat", true, &p.lat)) continue;
    if (!number(cLon, "lon", true, &p.lon)) continue;
    if (p.lat < -90 || p.lat > 90)
      fail(path, "line " + std::to_string(lineNo) + ": lat " + field(cLat) + " is outside -90..90");
    p.lon = std::fmod(std::fmod(p.lon, 360.0) + 360.0, 360.0);
    double x;
    if (number(cPres, "msl", false, &x)) p.msl = x * presFactor;
    if (number(cWind, "wind", false, &x)) p.wind = x * windFactor;
    if (number(cScore, "score", false, &x)) p.score = x;
    std::string t = field(cTime);
    std::replace(t.begin(), t.end(), 'T', ' ');
    try {
      hoursFromIso("standard", t);
    } catch (const std::exception& e) {
      fail(path, "line " + std::to_string(lineNo) + ": column 'time': " + e.what());
    }
    p.time = t.substr(0, 16);
    const std::string id = field(cId);
    auto it = index.find(id);
    if (it == index.end()) {
      it = index.emplace(id, tracks.size()).first;
      tracks.push_back({id, {}});
    }
    tracks[it->second].points.push_back(p);
  }
  return tracks;
}

void writeTracks(const std::string& path, const std::vector<Track>& tracks) {
  const fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  const std::string part = path + ".part";
  {
    std::ofstream out(part);
    if (!out) fail(path, "cannot write the track table");
    out << "track_id,time,lat,lon,msl,wind,score\n";
    char buf[256];
    for (const auto& t : tracks)
      for (const auto& p : t.points) {
        std::snprintf(buf, sizeof buf, "%s,%s,%.4f,%.4f,%.1f,%.2f,%.4f\n", t.id.c_str(), p.time.c_str(), p.lat, p.lon,
                      p.msl, p.wind, p.score);
        out << buf;
      }
    if (!out) fail(path, "writing the track table failed");
  }
  fs::rename(part, target);
}

}  // namespace tf::climate
