#include "CycloneViewers.h"

#include "FieldView.h"
#include "ViewerRegistry.h"

#include <QFile>

namespace tf::viewers {

namespace {

// netCDF-3 starts with "CDF", netCDF-4 with HDF5's signature; only the first bytes are read.
bool looksLikeNetcdf(const QString& path) {
  if (!path.endsWith(QLatin1String(".nc"), Qt::CaseInsensitive) && !path.endsWith(QLatin1String(".nc4"), Qt::CaseInsensitive) &&
      !path.endsWith(QLatin1String(".netcdf"), Qt::CaseInsensitive))
    return false;
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return false;
  const QByteArray head = f.read(8);
  return head.startsWith("CDF") || head.startsWith("\x89HDF");
}

}  // namespace

void registerCycloneViewers(ViewerRegistry& r) {
  ViewerInfo v;
  v.name = QStringLiteral("field");
  v.description = QStringLiteral("Climate fields on a lat/lon grid (netCDF), with cyclone tracks");
  v.suffixes = {QStringLiteral("nc"), QStringLiteral("nc4")};
  v.recognises = looksLikeNetcdf;
  v.open = [](const QString& path, int index) -> QWidget* { return new FieldView(path, index); };
  r.add(v);
}

}  // namespace tf::viewers
