#include "Svg.h"

#include "plot/AxisTicks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace tf::calo {

namespace {

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<')
      o += "&lt;";
    else if (c == '>')
      o += "&gt;";
    else if (c == '&')
      o += "&amp;";
    else
      o += c;
  }
  return o;
}

}  // namespace

std::string svgPanels(const std::string& title, const std::vector<Panel>& panels, int columns,
                      const std::string& referenceName, const std::string& generatedName) {
  const int pw = 300, ph = 210, top = 56;
  const int rows = static_cast<int>((panels.size() + static_cast<std::size_t>(columns) - 1) / static_cast<std::size_t>(columns));
  const int width = pw * columns, height = top + ph * std::max(1, rows);
  std::ostringstream s;
  s << "<svg xmlns='http://www.w3.org/2000/svg' width='" << width << "' height='" << height << "' viewBox='0 0 " << width
    << " " << height << "' font-family='DejaVu Sans, sans-serif'>\n"
    << "<rect width='100%' height='100%' fill='white'/>\n"
    << "<text x='12' y='24' font-size='16' font-weight='bold'>" << esc(title) << "</text>\n"
    << "<rect x='12' y='34' width='14' height='10' fill='#c8c8c8' stroke='#555'/><text x='30' y='44' font-size='12'>"
    << esc(referenceName) << "</text>\n"
    << "<line x1='" << 40 + 7 * referenceName.size() << "' y1='39' x2='" << 56 + 7 * referenceName.size()
    << "' y2='39' stroke='#d62728' stroke-width='2'/><text x='" << 60 + 7 * referenceName.size()
    << "' y='44' font-size='12'>" << esc(generatedName) << "</text>\n"
    << "<text x='" << width - 12 << "' y='44' font-size='11' text-anchor='end' fill='#555'>"
    << "Binning from the reference; values beyond it count in the first or last bin. S: separation power</text>\n";
  for (std::size_t i = 0; i < panels.size(); ++i) {
    const Panel& p = panels[i];
    const int ox = static_cast<int>(i % static_cast<std::size_t>(columns)) * pw;
    const int oy = top + static_cast<int>(i / static_cast<std::size_t>(columns)) * ph;
    const double x0 = ox + 60, x1 = ox + pw - 12, y0 = oy + ph - 40, y1 = oy + 24;  // plot box
    const bool hist = !p.edges.empty();
    const std::size_t n = p.reference.size();
    if (n == 0) continue;
    auto X = [&](double v) { return p.logX ? std::log10(std::max(v, 1e-300)) : v; };
    const double lo = hist ? X(p.edges.front()) : X(p.positions.front()) - 0.5;
    const double hi = hist ? X(p.edges.back()) : X(p.positions.back()) + 0.5;
    double ymax = 0;
    for (std::size_t k = 0; k < n; ++k) ymax = std::max({ymax, p.reference[k], p.generated[k]});
    if (ymax <= 0) ymax = 1;
    ymax *= 1.1;
    auto sx = [&](double v) { return x0 + (X(v) - lo) / (hi - lo) * (x1 - x0); };
    auto sxRaw = [&](double xv) { return x0 + (xv - lo) / (hi - lo) * (x1 - x0); };
    auto sy = [&](double v) { return y0 - v / ymax * (y0 - y1); };
    auto path = [&](const std::vector<double>& v, bool close) {
      std::ostringstream d;
      d.precision(5);
      if (hist) {
        d << "M" << sx(p.edges[0]) << "," << y0;
        for (std::size_t k = 0; k < n; ++k) d << " L" << sx(p.edges[k]) << "," << sy(v[k]) << " L" << sx(p.edges[k + 1]) << "," << sy(v[k]);
        d << " L" << sx(p.edges[n]) << "," << y0;
      } else {
        const double w = n > 1 ? (X(p.positions[1]) - X(p.positions[0])) / 2 : 0.5;
        d << "M" << sxRaw(X(p.positions[0]) - w) << "," << y0;
        for (std::size_t k = 0; k < n; ++k)
          d << " L" << sxRaw(X(p.positions[k]) - w) << "," << sy(v[k]) << " L" << sxRaw(X(p.positions[k]) + w) << ","
            << sy(v[k]);
        d << " L" << sxRaw(X(p.positions[n - 1]) + w) << "," << y0;
      }
      if (close) d << " Z";
      return d.str();
    };
    s << "<g>\n<rect x='" << x0 << "' y='" << y1 << "' width='" << x1 - x0 << "' height='" << y0 - y1
      << "' fill='none' stroke='#888'/>\n"
      << "<path d='" << path(p.reference, true) << "' fill='#c8c8c8' stroke='#555' stroke-width='1'/>\n"
      << "<path d='" << path(p.generated, false) << "' fill='none' stroke='#d62728' stroke-width='1.6'/>\n"
      << "<text x='" << ox + pw / 2 << "' y='" << oy + 16 << "' font-size='12' text-anchor='middle'>" << esc(p.title)
      << "</text>\n"
      << "<text x='" << x1 - 4 << "' y='" << y1 + 14 << "' font-size='11' text-anchor='end' fill='#333'>" << esc(p.note)
      << "</text>\n";
    // Round ticks inside the data's range (log x: whole decades), as every chart has them.
    const plot::Ticks xt = plot::ticksWithin(lo, hi, 5, p.logX);
    for (double xv : xt.values) {
      const double px = x0 + (x1 - x0) * (hi > lo ? (xv - lo) / (hi - lo) : 0.5);
      s << "<line x1='" << px << "' y1='" << y0 << "' x2='" << px << "' y2='" << y0 + 4 << "' stroke='#888'/>"
        << "<text x='" << px << "' y='" << y0 + 16 << "' font-size='10' text-anchor='middle'>"
        << (p.logX ? plot::decadeLabel(std::pow(10.0, xv)) : xt.label(xv)) << "</text>\n";
    }
    const plot::Ticks yt = plot::ticksWithin(0, ymax / 1.1, 3);
    for (double yv : yt.values)
      s << "<text x='" << x0 - 4 << "' y='" << sy(yv) + 3 << "' font-size='10' text-anchor='end'>" << yt.label(yv)
        << "</text>\n";
    // Histograms and profiles are both normalised to unit sum, so the two sets compare by shape.
    const double ly = (y0 + y1) / 2;
    s << "<text x='" << ox + 9 << "' y='" << ly << "' font-size='10' text-anchor='middle' fill='#555' transform='rotate(-90 "
      << ox + 9 << " " << ly << ")'>" << (hist ? "fraction of entries" : "share (sum = 1)") << "</text>\n";
    s << "</g>\n";
  }
  s << "</svg>\n";
  return s.str();
}

}  // namespace tf::calo
