#include "io/Hdf5Tensor.h"

#include <ATen/ATen.h>

#include <stdexcept>

namespace tf::h5 {

namespace {
struct TypeMap {
  hid_t mem;
  at::ScalarType scalar;
};

TypeMap mapType(const File& f, const std::string& dataset, const DatasetInfo& info) {
  const std::string& d = info.dtype;
  if (d == "float32") return {H5T_NATIVE_FLOAT, at::kFloat};
  if (d == "float64") return {H5T_NATIVE_DOUBLE, at::kDouble};
  if (d == "int64") return {H5T_NATIVE_INT64, at::kLong};
  if (d == "int32") return {H5T_NATIVE_INT32, at::kInt};
  if (d == "int16") return {H5T_NATIVE_INT16, at::kShort};
  if (d == "int8") return {H5T_NATIVE_INT8, at::kChar};
  if (d == "uint8") return {H5T_NATIVE_UINT8, at::kByte};
  // Wider unsigned types have no torch dtype; read them as int64 (values past 2^63 are rare).
  if (d == "uint16" || d == "uint32" || d == "uint64") return {H5T_NATIVE_INT64, at::kLong};
  throw std::runtime_error("'" + f.path() + "': dataset '" + dataset + "' holds " + d +
                           ", expected a numeric type (float or integer)");
}
// The HDF5 memory type of a tensor dtype; -1 for dtypes without one here.
hid_t memType(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return H5T_NATIVE_FLOAT;
    case at::kDouble: return H5T_NATIVE_DOUBLE;
    case at::kLong: return H5T_NATIVE_INT64;
    case at::kInt: return H5T_NATIVE_INT32;
    case at::kByte: return H5T_NATIVE_UINT8;
    default: return -1;
  }
}
}  // namespace

at::Tensor readTensor(const File& f, const std::string& dataset, std::int64_t rowBegin, std::int64_t rowEnd) {
  DatasetInfo info = f.dataset(dataset);
  TypeMap tm = mapType(f, dataset, info);
  std::vector<std::int64_t> shape(info.shape.begin(), info.shape.end());
  Handle ds(H5Dopen2(f.id(), dataset.c_str(), H5P_DEFAULT), H5Dclose);
  Handle fileSpace(H5Dget_space(ds.id()), H5Sclose);
  Handle memSpace;
  if (!shape.empty()) {
    if (rowEnd < 0) rowEnd = shape[0];
    if (rowBegin < 0 || rowBegin > rowEnd || rowEnd > shape[0])
      throw std::out_of_range("'" + f.path() + "': rows [" + std::to_string(rowBegin) + ", " + std::to_string(rowEnd) +
                              ") outside dataset '" + dataset + "' of " + std::to_string(shape[0]) + " rows");
    std::vector<hsize_t> start(shape.size(), 0), count(info.shape.begin(), info.shape.end());
    start[0] = static_cast<hsize_t>(rowBegin);
    count[0] = static_cast<hsize_t>(rowEnd - rowBegin);
    shape[0] = rowEnd - rowBegin;
    H5Sselect_hyperslab(fileSpace.id(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
    memSpace = Handle(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr), H5Sclose);
  } else {
    memSpace = Handle(H5Screate(H5S_SCALAR), H5Sclose);
  }
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(tm.scalar));
  if (t.numel() > 0 && H5Dread(ds.id(), tm.mem, memSpace.id(), fileSpace.id(), H5P_DEFAULT, t.data_ptr()) < 0)
    throw std::runtime_error("'" + f.path() + "': reading dataset '" + dataset +
                             "' failed (corrupt file or unsupported filter?)");
  f.checkNotTruncated();
  return t;
}

void readRowsInto(const File& f, const std::string& dataset, std::int64_t rowBegin, std::int64_t rowEnd, at::Tensor& out) {
  const hid_t mem = memType(out.scalar_type());
  if (mem < 0) throw std::invalid_argument("readRowsInto: unsupported output dtype");
  if (!out.is_contiguous()) throw std::invalid_argument("readRowsInto: the output tensor is not contiguous");
  readRows(f, dataset, rowBegin, rowEnd, mem, out.data_ptr(), static_cast<std::size_t>(out.numel()));
}

void writeTensor(const File& f, const std::string& dataset, const at::Tensor& tensor) {
  at::Tensor t = tensor.contiguous().cpu();
  hid_t mem = memType(t.scalar_type());
  if (mem < 0) {  // other dtypes are written as float32
    t = t.to(at::kFloat);
    mem = H5T_NATIVE_FLOAT;
  }
  std::vector<hsize_t> dims(t.sizes().begin(), t.sizes().end());
  Handle space(
      dims.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
      H5Sclose);
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.id(), 1);
  Handle ds(H5Dcreate2(f.id(), dataset.c_str(), mem, space.id(), lcpl.id(), H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  if (!ds.valid() || H5Dwrite(ds.id(), mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data_ptr()) < 0)
    throw std::runtime_error("'" + f.path() + "': cannot write dataset '" + dataset + "'");
}

void checkShape(const File& f, const DatasetInfo& info, const std::vector<std::int64_t>& expected) {
  bool ok = expected.size() == info.shape.size();
  for (std::size_t i = 0; ok && i < expected.size(); ++i)
    ok = expected[i] < 0 || static_cast<std::uint64_t>(expected[i]) == info.shape[i];
  if (ok) return;
  std::string e = "(";
  for (std::size_t i = 0; i < expected.size(); ++i)
    e += (i ? ", " : "") + (expected[i] < 0 ? std::string("any") : std::to_string(expected[i]));
  e += ")";
  throw std::runtime_error("'" + f.path() + "': dataset '" + info.path + "' has shape " + info.shapeString() +
                           ", expected " + e);
}

}  // namespace tf::h5
