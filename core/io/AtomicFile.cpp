#include "io/AtomicFile.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace tf::io {

namespace {

std::string bytesText(std::uintmax_t b) {
  char s[32];
  if (b >= (1u << 20))
    std::snprintf(s, sizeof s, "%.1f MiB", static_cast<double>(b) / (1u << 20));
  else
    std::snprintf(s, sizeof s, "%.1f KiB", static_cast<double>(b) / 1024);
  return s;
}

// "cannot write F: why (N free on its disk; the previous F is kept)".
std::string failure(const fs::path& file, const std::string& why) {
  std::string m = "cannot write " + file.string() + ": " + why;
  std::error_code ec;
  const auto space = fs::space(file.has_parent_path() ? file.parent_path() : fs::path("."), ec);
  std::string notes;
  if (!ec) notes = bytesText(space.available) + " free on its disk";
  if (fs::exists(file, ec)) notes += std::string(notes.empty() ? "" : "; ") + "the previous version is kept";
  return notes.empty() ? m : m + " (" + notes + ")";
}

// Writes all of `bytes` to a new file at `path`, or throws with errno's reason.
void writeFile(const fs::path& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      throw std::runtime_error(std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) throw std::runtime_error(std::strerror(errno));  // NFS reports late
}

}  // namespace

void writeAtomic(const fs::path& file, const std::function<void(const fs::path& tmp)>& write) {
  if (file.has_parent_path()) fs::create_directories(file.parent_path());
  fs::path tmp = file;
  tmp += ".tmp";
  std::error_code ec;
  try {
    write(tmp);
  } catch (const std::exception& e) {
    fs::remove(tmp, ec);
    throw std::runtime_error(failure(file, e.what()));
  }
  fs::rename(tmp, file, ec);
  if (ec) {
    const std::string why = ec.message();
    fs::remove(tmp, ec);
    throw std::runtime_error(failure(file, why));
  }
}

void writeBytesAtomic(const fs::path& file, std::string_view bytes) {
  writeAtomic(file, [&](const fs::path& tmp) { writeFile(tmp, bytes); });
}

void writeTextAtomic(const fs::path& file, const std::string& text) { writeBytesAtomic(file, text); }

void writeStreamAtomic(const fs::path& file, const std::function<void(std::ostream& out)>& write) {
  std::ostringstream out(std::ios::binary);
  try {
    write(out);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot write " + file.string() + ": " + e.what());
  }
  writeBytesAtomic(file, out.str());
}

bool appendLine(const fs::path& file, std::string_view line, std::string* error) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  bool ok = fd >= 0;
  std::string text(line);
  text += '\n';
  // One write call: lines of concurrent appenders (ranks, loggers) never interleave.
  if (ok) ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int err = errno;
  if (fd >= 0 && ::close(fd) != 0) ok = false;
  if (!ok && error) *error = failure(file, std::strerror(err ? err : EIO));
  return ok;
}

}  // namespace tf::io
