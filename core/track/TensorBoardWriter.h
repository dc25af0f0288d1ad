// Writes TensorBoard event files (events.out.tfevents.*): TFRecord framing with masked
// CRC-32C around hand-encoded Event protobufs holding scalar summaries. No protobuf library.
#pragma once

#include "exec/Event.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace tf::track {

class TensorBoardWriter {
 public:
  // Creates LOGDIR/events.out.tfevents.<unix seconds>.<host> and writes the version record.
  explicit TensorBoardWriter(const std::filesystem::path& logDir);
  void addScalar(const std::string& tag, float value, std::int64_t step, double wallTime);
  void flush();
  const std::filesystem::path& file() const { return file_; }

  // The pieces, exposed for tests against known vectors.
  static std::string frame(const std::string& record);  // TFRecord: len, crc(len), data, crc(data)
  static std::string scalarEvent(const std::string& tag, float value, std::int64_t step, double wallTime);
  static std::string versionEvent(double wallTime);

 private:
  void write(const std::string& record);
  std::filesystem::path file_;
  std::ofstream out_;
};

// Sends metric events of a run to TensorBoard, tagged "<step>/<metric>".
class TensorBoardLogger : public EventObserver {
 public:
  explicit TensorBoardLogger(const std::filesystem::path& logDir) : writer_(logDir) {}
  void onEvent(const Event& e) override;
  const TensorBoardWriter& writer() const { return writer_; }

 private:
  TensorBoardWriter writer_;
};

}  // namespace tf::track
