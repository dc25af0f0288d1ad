// Validation plots as SVG, drawn without Python or Qt: a grid of panels, each overlaying the
// reference (grey, filled) and the generated (red line) histogram or profile of one observable,
// with its separation power in the corner.
#pragma once

#include <string>
#include <vector>

namespace tf::calo {

struct Panel {
  std::string title;
  std::vector<double> edges;      // histogram bin edges (n + 1), or
  std::vector<double> positions;  // profile positions (n)
  std::vector<double> reference, generated;  // n values each
  bool logX = false;
  std::string note;  // e.g. "S = 0.031"
};

std::string svgPanels(const std::string& title, const std::vector<Panel>& panels, int columns,
                      const std::string& referenceName, const std::string& generatedName);

}  // namespace tf::calo
