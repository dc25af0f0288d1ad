#include "GwSteps.h"

#include <stdexcept>

namespace tf::gw {

WhitenedFiles whitenedInput(const Artifacts& in, const std::string& port) {
  auto it = in.find(port);
  if (it == in.end()) throw std::runtime_error("input '" + port + "' is not connected (expected gw.Whiten's output)");
  const auto& m = it->second.meta;
  for (const char* key : {"path", "clean", "events"})
    if (!m.contains(key) || !m.at(key).is_string() || m.at(key).get<std::string>().empty())
      throw std::runtime_error("input '" + port + "' carries no '" + key + "' (connect gw.Whiten's `whitened` output)");
  return {m.at("path").get<std::string>(), m.at("clean").get<std::string>(), m.at("events").get<std::string>(),
          m.value("settle_s", 1.0)};
}

}  // namespace tf::gw
