#include "track/TensorBoardWriter.h"

#include "track/Crc32c.h"

#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace tf::track {

namespace {

// Minimal protobuf wire encoding: varints, length-delimited fields, fixed 32/64-bit fields.
void varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
void key(std::string& out, int field, int wireType) { varint(out, static_cast<std::uint64_t>(field << 3 | wireType)); }
void bytesField(std::string& out, int field, const std::string& data) {
  key(out, field, 2);
  varint(out, data.size());
  out += data;
}
template <typename T>
void fixedField(std::string& out, int field, T value) {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8);
  key(out, field, sizeof(T) == 8 ? 1 : 5);
  char buf[sizeof(T)];
  std::memcpy(buf, &value, sizeof(T));  // little-endian on every platform we build for
  out.append(buf, sizeof(T));
}
void littleEndian(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

}  // namespace

std::string TensorBoardWriter::frame(const std::string& record) {
  std::string out;
  std::string len;
  littleEndian(len, record.size(), 8);
  out += len;
  littleEndian(out, maskCrc(crc32c(len.data(), len.size())), 4);
  out += record;
  littleEndian(out, maskCrc(crc32c(record.data(), record.size())), 4);
  return out;
}

// Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
// Summary { repeated Value value = 1; }  Value { string tag = 1; float simple_value = 2; }
std::string TensorBoardWriter::scalarEvent(const std::string& tag, float value, std::int64_t step, double wallTime) {
  std::string val;
  bytesField(val, 1, tag);
  fixedField(val, 2, value);
  std::string summary;
  bytesField(summary, 1, val);
  std::string ev;
  fixedField(ev, 1, wallTime);
  key(ev, 2, 0);
  varint(ev, static_cast<std::uint64_t>(step));
  bytesField(ev, 5, summary);
  return ev;
}

std::string TensorBoardWriter::versionEvent(double wallTime) {
  std::string ev;
  fixedField(ev, 1, wallTime);
  bytesField(ev, 3, "brain.Event:2");
  return ev;
}

TensorBoardWriter::TensorBoardWriter(const std::filesystem::path& logDir) {
  std::filesystem::create_directories(logDir);
  char host[256] = "localhost";
  gethostname(host, sizeof(host) - 1);
  const double now = static_cast<double>(nowMs()) / 1000.0;
  file_ = logDir / ("events.out.tfevents." + std::to_string(static_cast<long long>(now)) + "." + host);
  out_.open(file_, std::ios::binary | std::ios::app);
  if (!out_) throw std::runtime_error("cannot write TensorBoard events to " + file_.string());
  write(versionEvent(now));
  flush();
}

void TensorBoardWriter::write(const std::string& record) { out_ << frame(record); }

void TensorBoardWriter::addScalar(const std::string& tag, float value, std::int64_t step, double wallTime) {
  write(scalarEvent(tag, value, step, wallTime));
}

void TensorBoardWriter::flush() { out_.flush(); }

void TensorBoardLogger::onEvent(const Event& e) {
  if (e.type == Event::Type::Metric) {
    writer_.addScalar(e.step.empty() ? e.name : e.step + "/" + e.name, static_cast<float>(e.value), e.index < 0 ? 0 : e.index,
                      static_cast<double>(e.timeMs) / 1000.0);
    writer_.flush();  // TensorBoard reads while the run goes
  }
}

}  // namespace tf::track
