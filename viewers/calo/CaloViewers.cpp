// The calorimeter area's viewers: showers (3DGAN, CaloChallenge) and validation reports.
#include "CaloViewers.h"

#include "CaloFile.h"
#include "ReportView.h"
#include "ShowerView.h"
#include "ViewerRegistry.h"

#include <QFileInfo>

#include <memory>
#include <stdexcept>

namespace tf::viewers {

namespace {

ViewerInfo showerViewer() {
  ViewerInfo v;
  v.name = QStringLiteral("shower");
  v.description = QStringLiteral("Calorimeter showers, 3DGAN style (ECAL)");
  v.suffixes = {QStringLiteral("h5"), QStringLiteral("hdf5")};
  v.recognises = [](const QString& path) { return CaloFile::recognises(path.toStdString()); };
  v.open = [](const QString& path, int index) -> QWidget* {
    auto file = std::make_shared<CaloFile>(QFileInfo(path).absoluteFilePath().toStdString());
    auto view = std::make_unique<ShowerView>();
    view->setEvents(file->events(), [file](int i) { return file->event(i); });
    view->setStateKey(QStringLiteral("viewers/shower/") + QFileInfo(path).absoluteFilePath());
    if (index == 0) view->restoreState();
    if (index != 0 && !view->goToEvent(index)) throw std::runtime_error(view->message().toStdString());
    return view.release();
  };
  return v;
}

ViewerInfo reportViewer() {
  ViewerInfo v;
  v.name = QStringLiteral("report");
  v.description = QStringLiteral("Validation reports (report.json of calo.Validate)");
  v.suffixes = {QStringLiteral("json")};
  v.recognises = [](const QString& path) { return ReportView::recognises(path); };
  v.open = [](const QString& path, int) -> QWidget* { return new ReportView(path); };
  return v;
}

}  // namespace


void registerCaloViewers(ViewerRegistry& r) {
  r.add(showerViewer());
  r.add(reportViewer());
}

}  // namespace tf::viewers
