// CRC-32C (Castagnoli), the checksum of TFRecord framing in TensorBoard event files.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tf::track {

std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc = 0);
// TFRecord stores checksums "masked" so a CRC of data that embeds CRCs stays well-mixed.
inline std::uint32_t maskCrc(std::uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

}  // namespace tf::track
