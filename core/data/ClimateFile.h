// Climate fields on latitude/longitude grids, as ERA5 and CMIP6 files come: netCDF-3 (classic
// and 64-bit offset) and netCDF-4/HDF5, read with Debian's libnetcdf. The one owner of the
// netCDF format: the cyclone plugin, `twinforge-run info` and the field viewer all read here.
// Qt- and torch-free.
//
// What the reader normalises, so no caller meets it again:
//  - packing: `scale_factor`/`add_offset` applied (ERA5 stores int16), `_FillValue` and
//    `missing_value` become NaN (compared on the packed value, as CF says);
//  - orientation: latitude ascending (ERA5 stores it descending), longitude ascending and
//    continuous: a global grid in [0, 360) (files with -180..180 are rotated), a regional one
//    from its western edge in 0..360, continuing past 360 when it crosses 0 degrees (a -20..20
//    crop reads 340..380); row 0 is the southernmost;
//  - time: CF units ("hours since 1900-01-01") in the file's calendar (standard/gregorian,
//    proleptic_gregorian, noleap/365_day, all_leap/366_day, 360_day) to ISO text.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace tf::climate {

struct VariableInfo {
  std::string name, units, longName;
  std::vector<std::string> dims;
  std::vector<std::size_t> shape;
  std::string storedType;  // "short", "float", ...
  bool packed = false;     // has scale_factor or add_offset
  bool isField = false;    // (lat, lon) or (time, lat, lon)
};

// Row-major (lat, lon), latitude ascending; NaN where the file has no value.
struct Field {
  std::size_t nlat = 0, nlon = 0;
  std::vector<float> values;
  float at(std::size_t i, std::size_t j) const { return values[i * nlon + j]; }
};

// A CF time axis: the raw offsets and the dates they stand for in the file's calendar.
struct TimeAxis {
  std::string units, calendar = "standard";
  std::vector<double> offsets;
  std::vector<std::string> iso;  // "2000-09-01 06:00"
  double hoursPerUnit = 1;       // offsets * hoursPerUnit = hours since the reference date
};

// Days of a calendar from 0001-01-01 to the date (negative before); throws on an unknown calendar.
long long daysFromCivil(const std::string& calendar, int y, int m, int d);
// "2000-09-01 06:00" for hours since 0001-01-01 00:00 in that calendar.
std::string isoFromHours(const std::string& calendar, double hours);
// Hours since 0001-01-01 00:00 of "YYYY-MM-DD[ T]HH:MM[:SS]"; throws naming the text.
double hoursFromIso(const std::string& calendar, const std::string& iso);

class ClimateFile {
 public:
  // Throws std::runtime_error naming the file: missing, not netCDF, no lat/lon coordinates.
  explicit ClimateFile(const std::string& path);
  ~ClimateFile();
  ClimateFile(const ClimateFile&) = delete;
  ClimateFile& operator=(const ClimateFile&) = delete;

  const std::string& path() const { return path_; }
  std::string formatName() const;  // "netCDF-3 classic", "netCDF-3 64-bit offset", "netCDF-4", ...
  const std::vector<VariableInfo>& variables() const { return vars_; }
  // Throws "FILE: no variable 'x' (fields here: a, b)".
  const VariableInfo& variable(const std::string& name) const;
  std::vector<std::string> fieldNames() const;

  const std::vector<double>& lat() const { return lat_; }  // ascending, degrees north
  const std::vector<double>& lon() const { return lon_; }  // ascending, continuous (see above), degrees east
  bool latDescendingInFile() const { return latDescending_; }
  const TimeAxis& time() const { return time_; }
  std::size_t timeSteps() const { return time_.iso.empty() ? 1 : time_.iso.size(); }

  // One time step of a field variable, unpacked and normalised. Throws naming the file, the
  // variable and what was expected (a (time, lat, lon) or (lat, lon) variable; t in range).
  Field read(const std::string& name, std::size_t t = 0) const;

 private:
  std::string path_;
  int ncid_ = -1;
  int format_ = 0;
  std::vector<VariableInfo> vars_;
  std::vector<int> varIds_;
  std::vector<double> lat_, lon_;
  bool latDescending_ = false;
  std::size_t lonShift_ = 0;  // the file's longitude index that becomes column 0
  std::string latDim_, lonDim_, timeDim_;
  TimeAxis time_;
};

// Writing, for the synthetic generator and the tests. Values come in the reader's orientation
// (latitude ascending); the file gets them in the orientation asked for.
struct WriteVariable {
  std::string name, units, longName;
  std::vector<float> values;  // (time, lat, lon) or (lat, lon) when timeless, NaN = missing
};

struct WriteOptions {
  enum class Format { Classic, Offset64, NetCdf4 } format = Format::NetCdf4;
  bool packInt16 = true;          // ERA5's packing: short with scale_factor/add_offset/_FillValue
  bool latDescending = true;      // as ERA5 stores latitude
  bool lonSigned = false;         // store longitude as -180..180 (rotated) instead of 0..360
  std::string timeUnits = "hours since 1900-01-01 00:00:00.0";
  std::string calendar = "gregorian";
  std::vector<double> timeOffsets;  // empty: timeless (lat, lon) variables
  std::string title;
};

// lat ascending, lon ascending (any continuous values; stored in 0..360, or -180..180 with
// lonSigned). Writes to a temporary name and renames.
void writeClimateFile(const std::string& path, const std::vector<double>& lat, const std::vector<double>& lon,
                      const std::vector<WriteVariable>& vars, const WriteOptions& opt);

// Cyclone tracks: ours (track_id,time,lat,lon,msl,wind[,score]) and IBTrACS-style CSV (SID,
// ISO_TIME, LAT, LON, WMO_PRES/USA_PRES in hPa, WMO_WIND/USA_WIND in knots; its second line of
// units is skipped). The same type holds true tracks and what a detector found.
struct TrackPoint {
  std::string time;  // ISO, "YYYY-MM-DD HH:MM"
  double lat = 0, lon = 0;  // lon in [0, 360)
  double msl = 0;           // Pa, centre pressure (0: unknown)
  double wind = 0;          // m/s, maximum wind (0: unknown)
  double score = 1;         // detector confidence; 1 for true tracks
};
struct Track {
  std::string id;
  std::vector<TrackPoint> points;
};
std::vector<Track> readTracks(const std::string& path);  // throws naming the file and line
void writeTracks(const std::string& path, const std::vector<Track>& tracks);

}  // namespace tf::climate
