#include "io/AtomicFile.h"

#include <fstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace tf::io {

void writeAtomic(const fs::path& file, const std::function<void(const fs::path& tmp)>& write) {
  if (file.has_parent_path()) fs::create_directories(file.parent_path());
  fs::path tmp = file;
  tmp += ".tmp";
  write(tmp);
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) throw std::runtime_error("cannot write " + file.string() + ": " + ec.message());
}

void writeTextAtomic(const fs::path& file, const std::string& text) {
  writeAtomic(file, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + file.string());
  });
}

}  // namespace tf::io
