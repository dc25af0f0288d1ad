// Reading HDF5 datasets into tensors and writing tensors back, with the checks a reader
// owes its user: the dataset exists, has a numeric type, and the shape that was asked for.
#pragma once

#include "io/Hdf5.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tf::h5 {

// Reads a whole numeric dataset (or rows [rowBegin, rowEnd) of its first axis) in its own
// precision: float32/float64/int*/uint8 map to the matching torch dtype.
at::Tensor readTensor(const File& f, const std::string& dataset, std::int64_t rowBegin = 0, std::int64_t rowEnd = -1);
// Reads rows [rowBegin, rowEnd) straight into `out` (contiguous, shape (rows, rest...), any
// float or integer dtype: HDF5 converts), so a large read lands in memory once.
void readRowsInto(const File& f, const std::string& dataset, std::int64_t rowBegin, std::int64_t rowEnd, at::Tensor& out);
void writeTensor(const File& f, const std::string& dataset, const at::Tensor& t);

// Checks a dataset's shape against an expected one where -1 matches any extent. Throws
// std::runtime_error naming file, dataset, expected and actual shapes.
void checkShape(const File& f, const DatasetInfo& info, const std::vector<std::int64_t>& expected);

}  // namespace tf::h5
