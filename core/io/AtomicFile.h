// Writing files so that a crash, a kill or a full disk leaves the old file or the new one,
// never half of one: write a temporary beside the target, then rename it over the target.
// A failed write removes its temporary (a full disk is not left fuller) and throws
// std::runtime_error naming the file, the reason, the space left and that the old file is kept.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace tf::io {

// `write` fills the temporary path it is given and throws on failure.
void writeAtomic(const std::filesystem::path& file, const std::function<void(const std::filesystem::path& tmp)>& write);
// The bytes, every write checked.
void writeBytesAtomic(const std::filesystem::path& file, std::string_view bytes);
void writeTextAtomic(const std::filesystem::path& file, const std::string& text);
// For writers that must not meet a failing file: LibTorch's archive writer throws again from
// its destructor when a write fails, which aborts the process. They write to memory; the
// bytes then go to disk through writeBytesAtomic.
void writeStreamAtomic(const std::filesystem::path& file, const std::function<void(std::ostream& out)>& write);

// Appends one line (a metric, an event) and says whether it reached the file.
bool appendLine(const std::filesystem::path& file, std::string_view line, std::string* error = nullptr);

}  // namespace tf::io
