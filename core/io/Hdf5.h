// Small RAII layer over the HDF5 C API: open files with clear errors, list datasets with
// their shapes and types, read attributes. Tensors in and out live in Hdf5Tensor.h.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace tf::h5 {

// RAII for any hid_t with its matching close function.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept;
  ~Handle();
  hid_t id() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

struct DatasetInfo {
  std::string path;                  // "/strain/Strain"
  std::vector<std::uint64_t> shape;  // empty for a scalar
  std::string dtype;                 // float32, float64, int8..int64, uint8..uint64, string, compound, other
  std::string shapeString() const;   // "(1000, 8)"
};

class File {
 public:
  // Throws std::runtime_error: "'x.h5': no such file", "'x.h5': not an HDF5 file", ...
  static File open(const std::string& path);
  static File create(const std::string& path);  // truncates
  hid_t id() const { return h_.id(); }
  const std::string& path() const { return path_; }

  bool hasDataset(const std::string& name) const;
  DatasetInfo dataset(const std::string& name) const;  // throws naming file and dataset
  std::vector<DatasetInfo> datasets() const;           // every dataset, depth first
  // Attributes of a group or dataset ("/" for the file), rendered as text.
  std::map<std::string, std::string> attributes(const std::string& object = "/") const;
  void setAttribute(const std::string& object, const std::string& name, const std::string& value) const;
  void setAttribute(const std::string& object, const std::string& name, double value) const;
  // HDF5 reads past the end of a file as zeros, so a file cut short after it was opened (a
  // copy in progress, a writer's disk filling) would give zeros silently. Readers call this
  // after each read: it throws naming the file when the file is shorter than when opened.
  void checkNotTruncated() const;

 private:
  Handle h_;
  std::string path_;
  std::uintmax_t sizeAtOpen_ = 0;
};

// Writes a float32 dataset of shape (rows, ...) one row at a time into one-row chunks, so a
// file of any size is made with one row in memory (a calorimeter event, a strain segment).
class RowWriter {
 public:
  RowWriter(const File& f, const std::string& dataset, std::vector<hsize_t> shape);
  void write(hsize_t row, const float* data);  // shape[1:] floats; throws naming the row

 private:
  std::vector<hsize_t> shape_;
  Handle set_;
  std::string name_;
};

// Reads rows [rowBegin, rowEnd) of a numeric dataset straight into `out`, converted by HDF5
// to `memType` (H5T_NATIVE_FLOAT, ...); `outElements` must be the rows' element count. Throws
// naming the file and dataset for a non-numeric dataset, rows out of range or a failed read.
void readRows(const File& f, const std::string& dataset, std::int64_t rowBegin, std::int64_t rowEnd, hid_t memType,
              void* out, std::size_t outElements);
std::vector<float> readFloats(const File& f, const std::string& dataset, std::int64_t rowBegin = 0,
                              std::int64_t rowEnd = -1);

// "  /path  (shape)  dtype  [units]" for every dataset: what `twinforge-run info` lists.
void printDatasets(const File& f, std::ostream& out);

std::string dtypeName(hid_t type);
void silenceErrorStack();  // HDF5 prints its error stack to stderr by default; we report ourselves
// An existing HDF5 file (with the error stack silenced): what file inspectors ask first.
bool isHdf5(const std::string& path);

}  // namespace tf::h5
