// The calorimeter shower viewer: one event's lit cells in 3D (exposed faces coloured by log
// energy, colour bar in MeV), detector outline and axes in cell indices, an energy threshold
// slider, a layer range, and an event browser (previous/next/jump) when given several events.
#pragma once

#include "ColourMaps.h"
#include "ShowerGeometry.h"

#include <QString>
#include <QVariantMap>
#include <QWidget>

#include <functional>
#include <optional>
#include <utility>

class QLabel;
class QSlider;
class QSpinBox;
class QComboBox;
class QPushButton;

namespace tf::viewers {

class VtkView;
class ShowerPlots;

class ShowerView : public QWidget {
  Q_OBJECT
 public:
  explicit ShowerView(QWidget* parent = nullptr);
  ~ShowerView() override;

  // A single event, with a caption ("E = 100 GeV, theta = 90 deg").
  void setEvent(const CellGrid& grid, const QString& caption);
  // Several events, loaded on demand: load(i) returns event i and its caption; throws
  // std::exception for an unreadable event (shown in the view).
  using Loader = std::function<std::pair<CellGrid, QString>(int)>;
  void setEvents(int count, Loader load);
  bool goToEvent(int index);  // false (and a message in the view) if it cannot be read
  // The same without blocking: the event is read in a worker thread while the view says so;
  // a newer request supersedes an older one still being read. What the buttons use.
  void requestEvent(int index);
  bool loading() const { return pending_ >= 0; }
  int currentEvent() const { return current_; }
  int eventCount() const { return count_; }

  void setThreshold(double gev);  // cells at or below are hidden
  double threshold() const { return threshold_; }
  void setLayerRange(int first, int last);
  // Colours span log10(E/MeV) over [first, second]; nullopt: this event's drawn cells.
  void setColourRange(std::optional<std::pair<double, double>> log10MeV);
  std::pair<double, double> colourRange() const { return colourRange_; }
  void setColourMap(ColourMap m);  // viridis by default; saved with the view's state
  ColourMap colourMap() const { return colourMap_; }
  const ShowerGeometryStats& stats() const { return stats_; }
  int firstLayer() const;
  int lastLayer() const;

  // The view's state (event, threshold, layers, camera) as a map, saved in QSettings under the
  // state key when the view closes and restored by restoreState().
  QVariantMap state() const;
  void setState(const QVariantMap& s);
  void setStateKey(const QString& key) { stateKey_ = key; }
  void saveState() const;
  bool restoreState();  // false when nothing was saved under the key
  // Saves what the 3D view shows as PNG; false and a message when the file cannot be written.
  bool savePicture(const QString& pngFile, QString* error = nullptr);
  const QString& message() const { return message_; }  // the last error shown, if any
  VtkView* view() const { return view_; }
  ShowerPlots* plots() const { return plots_; }

 Q_SIGNALS:
  void eventChanged(int index);
  void cutChanged();  // threshold or layer range

 private:
  void setUpScene();
  void rebuild();
  void applyColours();
  bool apply(int index, std::pair<CellGrid, QString> loaded);
  bool outOfRange(int index);  // true, with the message set, when there is no such event
  struct Vtk;
  Vtk* vtk_;
  VtkView* view_;
  ShowerPlots* plots_;
  QSlider* thresholdSlider_;
  QLabel *thresholdLabel_, *info_, *caption_;
  QSpinBox *firstLayer_, *lastLayer_, *eventBox_;
  QPushButton *prev_, *next_;
  CellGrid grid_;
  ShowerGeometryStats stats_;
  double threshold_ = 5e-4;  // GeV: hides the faint halo that would hide the core
  int current_ = -1, count_ = 0, pending_ = -1;
  Loader load_;
  QString message_, stateKey_;
  std::optional<std::pair<double, double>> fixedRange_;
  std::pair<double, double> colourRange_{0, 1};
  ColourMap colourMap_ = ColourMap::Viridis;
  QComboBox* colours_ = nullptr;
};

}  // namespace tf::viewers
