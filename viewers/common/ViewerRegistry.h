// Which viewer opens which data file. Each viewer registers a recogniser (cheap: opens the
// file's header, never its data) and a factory; the workbench asks in registration order.
// Plugins are Qt-free (DESIGN.md), so viewers live here, keyed by the formats plugins write:
// the calorimeter shower view is the first, the cyclone and GW viewers come with their issues.
#pragma once

#include <QString>
#include <QWidget>

#include <functional>
#include <vector>

namespace tf::viewers {

struct ViewerInfo {
  QString name;         // "shower" - also what --view NAME selects
  QString description;  // "3DGAN-style calorimeter showers (ECAL)"
  QStringList suffixes; // for file dialogs: {"h5", "hdf5"}
  std::function<bool(const QString& path)> recognises;
  // Opens the file at an event (or time, or field) index; throws std::exception with a message
  // naming the file and what was wrong.
  std::function<QWidget*(const QString& path, int index)> open;
};

class ViewerRegistry {
 public:
  static ViewerRegistry& instance();  // with the built-in viewers registered
  void add(ViewerInfo v);
  const std::vector<ViewerInfo>& all() const { return viewers_; }
  // The first viewer that recognises the file (or the one named), nullptr if none.
  const ViewerInfo* find(const QString& path, const QString& name = {}) const;
  QString fileDialogFilter() const;  // "Calorimeter showers (*.h5 *.hdf5);;..."

 private:
  std::vector<ViewerInfo> viewers_;
};

// Every science area's viewers (viewers/Viewers.cpp); instance() calls it once.
void registerBuiltInViewers(ViewerRegistry& r);

}  // namespace tf::viewers
