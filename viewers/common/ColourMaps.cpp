#include "ColourMaps.h"

#include <QColor>
#include <vtkLookupTable.h>

#include <algorithm>

#include <array>
#include <cmath>

namespace tf::viewers {

namespace {

// Viridis at nine evenly spaced points (from matplotlib's published table); linear between.
constexpr std::array<std::array<double, 3>, 9> kViridis{{{0.267004, 0.004874, 0.329415},
                                                          {0.282327, 0.140926, 0.457517},
                                                          {0.229739, 0.322361, 0.545706},
                                                          {0.172719, 0.448791, 0.557885},
                                                          {0.127568, 0.566949, 0.550556},
                                                          {0.157851, 0.683765, 0.501686},
                                                          {0.369214, 0.788888, 0.382914},
                                                          {0.678489, 0.863742, 0.189503},
                                                          {0.993248, 0.906157, 0.143936}}};

// Viridis at t in [0, 1], linear between the table's points.
std::array<double, 3> viridis(double t) {
  const double x = t * (kViridis.size() - 1);
  const auto k = static_cast<std::size_t>(std::min<double>(std::floor(x), kViridis.size() - 2));
  const double f = x - static_cast<double>(k);
  const auto& a = kViridis[k];
  const auto& b = kViridis[k + 1];
  return {a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])};
}

}  // namespace

QStringList colourMapNames() { return {QStringLiteral("viridis"), QStringLiteral("rainbow")}; }

QString colourMapName(ColourMap m) { return colourMapNames().at(static_cast<int>(m)); }

ColourMap colourMapFromName(const QString& name) {
  return name == QLatin1String("rainbow") ? ColourMap::Rainbow : ColourMap::Viridis;
}

void fillLookupTable(vtkLookupTable* lut, ColourMap m) {
  constexpr int n = 256;
  lut->SetNumberOfTableValues(n);
  if (m == ColourMap::Rainbow) {
    lut->SetHueRange(0.667, 0.0);  // blue (low) to red (high)
    lut->SetSaturationRange(1, 1);
    lut->SetValueRange(1, 1);
    lut->ForceBuild();
    return;
  }
  for (int i = 0; i < n; ++i) {
    const auto c = viridis(static_cast<double>(i) / (n - 1));
    lut->SetTableValue(i, c[0], c[1], c[2], 1.0);
  }
}

QRgb colourAt(ColourMap m, double t) {
  t = std::clamp(t, 0.0, 1.0);
  if (m == ColourMap::Rainbow) {
    const QColor c = QColor::fromHsvF(0.667 * (1 - t), 1, 1);
    return c.rgb();
  }
  const auto c = viridis(t);
  return qRgb(static_cast<int>(c[0] * 255 + 0.5), static_cast<int>(c[1] * 255 + 0.5), static_cast<int>(c[2] * 255 + 0.5));
}

}  // namespace tf::viewers
