#include "data/CaloBinning.h"

#include "data/ShowerFile.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace tf::data {

int Binning::voxels() const {
  int n = 0;
  for (const auto& l : layers) n += l.voxels();
  return n;
}

namespace {

int lineOf(const std::string& text, std::size_t pos) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
}

}  // namespace

Binning readBinning(const std::string& path, const std::string& particle) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("'" + path + "': cannot be opened");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  Binning b;
  b.source = path;
  const std::regex tag(R"(<\s*(Bin|Particle|Layer)\b([^>]*)>)");
  const std::regex attr(R"re((\w+)\s*=\s*"([^"]*)")re");
  bool inWanted = false, sawParticle = false;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), tag); it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1], body = (*it)[2];
    const int line = lineOf(text, static_cast<std::size_t>(it->position()));
    std::map<std::string, std::string> a;
    for (auto at = std::sregex_iterator(body.begin(), body.end(), attr); at != std::sregex_iterator(); ++at)
      a[(*at)[1]] = (*at)[2];
    auto where = [&](const std::string& what) {
      return "'" + path + "', line " + std::to_string(line) + ": " + what;
    };
    if (name == "Bin" || name == "Particle") {
      if (sawParticle && !b.layers.empty() && particle.empty()) break;  // the first particle's layers
      sawParticle = true;
      inWanted = particle.empty() || a["name"] == particle;
      if (inWanted) b.particle = a["name"];
      continue;
    }
    if (!inWanted) continue;
    BinningLayer l;
    try {
      l.id = a.count("id") ? std::stoi(a["id"]) : static_cast<int>(b.layers.size());
      l.alphaBins = a.count("n_bin_alpha") ? std::stoi(a["n_bin_alpha"]) : 1;
    } catch (const std::exception&) {
      throw std::runtime_error(where("Layer has a non-integer 'id' or 'n_bin_alpha'"));
    }
    if (l.alphaBins < 1) throw std::runtime_error(where("n_bin_alpha must be at least 1"));
    if (!a.count("r_edges")) throw std::runtime_error(where("Layer without 'r_edges' (comma-separated radii in mm)"));
    std::stringstream edges(a["r_edges"]);
    std::string item;
    while (std::getline(edges, item, ',')) {
      try {
        l.rEdges.push_back(std::stod(item));
      } catch (const std::exception&) {
        throw std::runtime_error(where("r_edges holds '" + item + "', expected numbers"));
      }
      if (l.rEdges.size() > 1 && !(l.rEdges.back() > l.rEdges[l.rEdges.size() - 2]))
        throw std::runtime_error(where("r_edges must increase"));
    }
    b.layers.push_back(std::move(l));
  }
  if (b.layers.empty())
    throw std::runtime_error("'" + path + "': no <Layer> elements" +
                             (particle.empty() ? std::string() : " for particle '" + particle + "'") +
                             "; expected a CaloChallenge binning file");
  return b;
}

Binning builtInBinning(int voxels) {
  Binning b;
  const CylinderGeometry* g = caloChallengeGeometry(voxels);
  if (!g) return b;
  b.source = "built-in dataset " + std::to_string(g->dataset);
  std::vector<double> edges;
  for (int r = 0; r <= g->radialBins; ++r) edges.push_back(g->rMax * r / g->radialBins);
  b.particle = "electron";
  for (int i = 0; i < g->layers; ++i) b.layers.push_back({i, edges, g->alphaBins});
  return b;
}

}  // namespace tf::data
