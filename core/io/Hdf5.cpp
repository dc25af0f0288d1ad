#include "io/Hdf5.h"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace tf::h5 {

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    if (id_ >= 0 && close_) close_(id_);
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = -1;
  }
  return *this;
}

Handle::~Handle() {
  if (id_ >= 0 && close_) close_(id_);
}

std::string DatasetInfo::shapeString() const {
  std::ostringstream s;
  s << "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  if (shape.size() == 1) s << ",";
  s << ")";
  return s.str();
}

void silenceErrorStack() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

namespace {
// The description of the innermost entry of HDF5's error stack (its root cause), or "".
std::string innermostError() {
  std::string what;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        if (n == 0 && e && e->desc) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &what);
  return what;
}
}  // namespace

bool isHdf5(const std::string& path) {
  silenceErrorStack();
  return H5Fis_hdf5(path.c_str()) > 0;
}

std::string dtypeName(hid_t type) {
  switch (H5Tget_class(type)) {
    case H5T_FLOAT:
      return H5Tget_size(type) == 4   ? "float32"
             : H5Tget_size(type) == 8 ? "float64"
                                      : "float" + std::to_string(8 * H5Tget_size(type));
    case H5T_INTEGER:
      return std::string(H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(8 * H5Tget_size(type));
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    case H5T_ENUM:
      return "enum";
    default:
      return "other";
  }
}

File File::open(const std::string& path) {
  silenceErrorStack();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw std::runtime_error("'" + path + "': no such file");
  if (std::filesystem::is_directory(path, ec))
    throw std::runtime_error("'" + path + "': is a folder, expected an HDF5 file");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw std::runtime_error("'" + path + "': not an HDF5 file");
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    const std::string why = innermostError();
    if (why.find("truncated file") != std::string::npos)
      throw std::runtime_error("'" + path + "': the file is truncated: it is " +
                               std::to_string(std::filesystem::file_size(path, ec)) +
                               " bytes, shorter than its own header says (an unfinished copy or download?)");
    throw std::runtime_error("'" + path + "': cannot open HDF5 file (" +
                             (why.empty() ? std::string("permissions, or locked by a writer?") : why) + ")");
  }
  File f;
  f.h_ = Handle(id, H5Fclose);
  f.path_ = path;
  f.sizeAtOpen_ = std::filesystem::file_size(path, ec);
  return f;
}

void File::checkNotTruncated() const {
  std::error_code ec;
  const auto now = std::filesystem::file_size(path_, ec);
  if (sizeAtOpen_ > 0 && (ec || now < sizeAtOpen_))
    throw std::runtime_error("'" + path_ + "': the file became shorter while it was read (" +
                             (ec ? ec.message() : std::to_string(now) + " bytes, " + std::to_string(sizeAtOpen_) +
                                                      " when opened") +
                             "): it was cut short or is being rewritten; reading stopped");
}

File File::create(const std::string& path) {
  silenceErrorStack();
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) throw std::runtime_error("'" + path + "': cannot create HDF5 file");
  File f;
  f.h_ = Handle(id, H5Fclose);
  f.path_ = path;
  return f;
}

bool File::hasDataset(const std::string& name) const {
  // H5Lexists fails on a missing intermediate group, so check each prefix.
  std::string prefix;
  std::size_t start = name.front() == '/' ? 1 : 0;
  while (start <= name.size()) {
    auto slash = name.find('/', start);
    prefix = name.substr(0, slash);
    if (prefix.empty() || prefix == "/") break;
    if (H5Lexists(h_.id(), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  H5O_info_t info;
  if (H5Oget_info_by_name(h_.id(), name.c_str(), &info, H5P_DEFAULT) < 0) return false;
  return info.type == H5O_TYPE_DATASET;
}

DatasetInfo File::dataset(const std::string& name) const {
  if (!hasDataset(name)) {
    std::string known;
    for (const auto& d : datasets()) known += (known.empty() ? "" : ", ") + d.path;
    throw std::runtime_error("'" + path_ + "': no dataset '" + name +
                             "'; datasets in the file: " + (known.empty() ? "none" : known));
  }
  Handle ds(H5Dopen2(h_.id(), name.c_str(), H5P_DEFAULT), H5Dclose);
  Handle space(H5Dget_space(ds.id()), H5Sclose);
  Handle type(H5Dget_type(ds.id()), H5Tclose);
  DatasetInfo info;
  info.path = name.front() == '/' ? name : "/" + name;
  int rank = H5Sget_simple_extent_ndims(space.id());
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  info.shape.assign(dims.begin(), dims.end());
  info.dtype = dtypeName(type.id());
  return info;
}

namespace {
herr_t visitCb(hid_t, const char* name, const H5O_info_t* info, void* op) {
  if (info->type == H5O_TYPE_DATASET) static_cast<std::vector<std::string>*>(op)->push_back(std::string("/") + name);
  return 0;
}
}  // namespace

std::vector<DatasetInfo> File::datasets() const {
  std::vector<std::string> names;
  H5Ovisit(h_.id(), H5_INDEX_NAME, H5_ITER_INC, visitCb, &names);
  std::vector<DatasetInfo> out;
  for (const auto& n : names) out.push_back(dataset(n));
  return out;
}

namespace {
struct AttrCtx {
  std::map<std::string, std::string>* out;
};

std::string readAttr(hid_t attr) {
  Handle type(H5Aget_type(attr), H5Tclose);
  Handle space(H5Aget_space(attr), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.id());
  std::ostringstream s;
  switch (H5Tget_class(type.id())) {
    case H5T_STRING: {
      if (H5Tis_variable_str(type.id()) > 0) {
        std::vector<char*> buf(static_cast<std::size_t>(n), nullptr);
        Handle mem(H5Tget_native_type(type.id(), H5T_DIR_DEFAULT), H5Tclose);
        if (H5Aread(attr, mem.id(), buf.data()) >= 0) {
          for (hssize_t i = 0; i < n; ++i)
            s << (i ? ", " : "") << (buf[static_cast<std::size_t>(i)] ? buf[static_cast<std::size_t>(i)] : "");
          H5Dvlen_reclaim(mem.id(), space.id(), H5P_DEFAULT, buf.data());
        }
      } else {
        std::size_t size = H5Tget_size(type.id());
        std::string buf(size * static_cast<std::size_t>(n), '\0');
        H5Aread(attr, type.id(), buf.data());
        s << std::string(buf.c_str());
      }
      break;
    }
    case H5T_FLOAT: {
      std::vector<double> v(static_cast<std::size_t>(n));
      H5Aread(attr, H5T_NATIVE_DOUBLE, v.data());
      for (std::size_t i = 0; i < v.size() && i < 8; ++i) s << (i ? ", " : "") << v[i];
      if (v.size() > 8) s << ", ... (" << v.size() << " values)";
      break;
    }
    case H5T_INTEGER: {
      std::vector<long long> v(static_cast<std::size_t>(n));
      H5Aread(attr, H5T_NATIVE_LLONG, v.data());
      for (std::size_t i = 0; i < v.size() && i < 8; ++i) s << (i ? ", " : "") << v[i];
      if (v.size() > 8) s << ", ... (" << v.size() << " values)";
      break;
    }
    default:
      s << "<" << dtypeName(type.id()) << ">";
  }
  return s.str();
}

herr_t attrCb(hid_t loc, const char* name, const H5A_info_t*, void* op) {
  Handle attr(H5Aopen(loc, name, H5P_DEFAULT), H5Aclose);
  if (attr.valid()) (*static_cast<AttrCtx*>(op)->out)[name] = readAttr(attr.id());
  return 0;
}
}  // namespace

std::map<std::string, std::string> File::attributes(const std::string& object) const {
  std::map<std::string, std::string> out;
  Handle obj(H5Oopen(h_.id(), object.c_str(), H5P_DEFAULT), H5Oclose);
  if (!obj.valid()) throw std::runtime_error("'" + path_ + "': no object '" + object + "'");
  AttrCtx ctx{&out};
  H5Aiterate2(obj.id(), H5_INDEX_NAME, H5_ITER_INC, nullptr, attrCb, &ctx);
  return out;
}

void File::setAttribute(const std::string& object, const std::string& name, const std::string& value) const {
  Handle obj(H5Oopen(h_.id(), object.c_str(), H5P_DEFAULT), H5Oclose);
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id(), value.size() + 1);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(obj.id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attr.valid() || H5Awrite(attr.id(), type.id(), value.c_str()) < 0)
    throw std::runtime_error("'" + path_ + "': cannot write attribute " + object + "@" + name);
}

void File::setAttribute(const std::string& object, const std::string& name, double value) const {
  Handle obj(H5Oopen(h_.id(), object.c_str(), H5P_DEFAULT), H5Oclose);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(obj.id(), name.c_str(), H5T_NATIVE_DOUBLE, space.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attr.valid() || H5Awrite(attr.id(), H5T_NATIVE_DOUBLE, &value) < 0)
    throw std::runtime_error("'" + path_ + "': cannot write attribute " + object + "@" + name);
}

}  // namespace tf::h5

namespace tf::h5 {

RowWriter::RowWriter(const File& f, const std::string& dataset, std::vector<hsize_t> shape)
    : shape_(std::move(shape)), name_(dataset) {
  Handle space(H5Screate_simple(static_cast<int>(shape_.size()), shape_.data(), nullptr), H5Sclose);
  std::vector<hsize_t> chunk = shape_;
  chunk[0] = 1;
  Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (H5Pset_chunk(plist.id(), static_cast<int>(chunk.size()), chunk.data()) < 0)
    throw std::runtime_error(f.path() + ": cannot set the chunks of '" + dataset + "'");
  set_ = Handle(H5Dcreate2(f.id(), dataset.c_str(), H5T_NATIVE_FLOAT, space.id(), H5P_DEFAULT, plist.id(), H5P_DEFAULT),
                H5Dclose);
  if (!set_.valid()) throw std::runtime_error(f.path() + ": cannot create dataset '" + dataset + "'");
}

void RowWriter::write(hsize_t row, const float* data) {
  std::vector<hsize_t> start(shape_.size(), 0), count = shape_;
  start[0] = row;
  count[0] = 1;
  Handle fileSpace(H5Dget_space(set_.id()), H5Sclose);
  Handle mem(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr), H5Sclose);
  if (H5Sselect_hyperslab(fileSpace.id(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0 ||
      H5Dwrite(set_.id(), H5T_NATIVE_FLOAT, mem.id(), fileSpace.id(), H5P_DEFAULT, data) < 0)
    throw std::runtime_error("cannot write row " + std::to_string(row) + " of '" + name_ + "'");
}

void printDatasets(const File& f, std::ostream& out) {
  for (const auto& d : f.datasets()) {
    out << "  " << d.path << "  " << d.shapeString() << "  " << d.dtype;
    auto da = f.attributes(d.path);
    if (auto u = da.find("units"); u != da.end())
      out << "  [" << u->second << "]";
    else if (auto u2 = da.find("unit"); u2 != da.end())
      out << "  [" << u2->second << "]";
    out << "\n";
  }
}

void readRows(const File& f, const std::string& dataset, std::int64_t rowBegin, std::int64_t rowEnd, hid_t memType,
              void* out, std::size_t outElements) {
  const DatasetInfo info = f.dataset(dataset);
  if (info.dtype == "string" || info.dtype == "compound" || info.dtype == "other")
    throw std::runtime_error("'" + f.path() + "': dataset '" + dataset + "' holds " + info.dtype +
                             ", expected a numeric type (float or integer)");
  if (info.shape.empty() || rowBegin < 0 || rowBegin > rowEnd || static_cast<std::uint64_t>(rowEnd) > info.shape[0])
    throw std::out_of_range("'" + f.path() + "': rows [" + std::to_string(rowBegin) + ", " + std::to_string(rowEnd) +
                            ") outside dataset '" + dataset + "'");
  std::vector<hsize_t> start(info.shape.size(), 0), count(info.shape.begin(), info.shape.end());
  start[0] = static_cast<hsize_t>(rowBegin);
  count[0] = static_cast<hsize_t>(rowEnd - rowBegin);
  std::size_t want = 1;
  for (auto c : count) want *= static_cast<std::size_t>(c);
  if (want != outElements)
    throw std::invalid_argument("readRows: the output does not match the rows read from '" + dataset + "'");
  if (want == 0) return;
  // No chunk cache: whole chunks are read straight into `out` instead of through the cache
  // (one copy less; rows are read once, so the cache never hits).
  Handle dapl(H5Pcreate(H5P_DATASET_ACCESS), H5Pclose);
  H5Pset_chunk_cache(dapl.id(), 0, 0, 1.0);
  Handle ds(H5Dopen2(f.id(), dataset.c_str(), dapl.id()), H5Dclose);
  Handle fileSpace(H5Dget_space(ds.id()), H5Sclose);
  H5Sselect_hyperslab(fileSpace.id(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
  Handle memSpace(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr), H5Sclose);
  if (H5Dread(ds.id(), memType, memSpace.id(), fileSpace.id(), H5P_DEFAULT, out) < 0)
    throw std::runtime_error("'" + f.path() + "': reading dataset '" + dataset +
                             "' failed (corrupt file or unsupported filter?)");
  f.checkNotTruncated();
}

std::vector<float> readFloats(const File& f, const std::string& dataset, std::int64_t rowBegin, std::int64_t rowEnd) {
  const DatasetInfo info = f.dataset(dataset);
  if (info.shape.empty()) throw std::runtime_error("'" + f.path() + "': dataset '" + dataset + "' is a scalar");
  if (rowEnd < 0) rowEnd = static_cast<std::int64_t>(info.shape[0]);
  std::size_t per = 1;
  for (std::size_t i = 1; i < info.shape.size(); ++i) per *= static_cast<std::size_t>(info.shape[i]);
  std::vector<float> out(per * static_cast<std::size_t>(std::max<std::int64_t>(0, rowEnd - rowBegin)));
  readRows(f, dataset, rowBegin, rowEnd, H5T_NATIVE_FLOAT, out.data(), out.size());
  return out;
}

}  // namespace tf::h5
