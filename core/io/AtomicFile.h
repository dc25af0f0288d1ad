// Writing files so that a crash or kill leaves the old file or the new one, never half of
// one: write a temporary beside the target, then rename it over the target.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace tf::io {

// `write` fills the temporary path it is given; throws std::runtime_error naming the file.
void writeAtomic(const std::filesystem::path& file, const std::function<void(const std::filesystem::path& tmp)>& write);
void writeTextAtomic(const std::filesystem::path& file, const std::string& text);

}  // namespace tf::io
