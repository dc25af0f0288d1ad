#include "ShowerView.h"

#include "ColourMaps.h"
#include "plot/AxisTicks.h"

#include "ShowerPlots.h"
#include "VtkView.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>
#include <QSettings>
#include <QSplitter>

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCubeAxesActor.h>
#include <vtkDoubleArray.h>
#include <vtkLookupTable.h>
#include <vtkNew.h>
#include <vtkOutlineSource.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkTextProperty.h>

#include <cmath>
#include <tuple>

namespace tf::viewers {

namespace {
// The threshold slider is logarithmic: 0..400 -> 1e-6..1e-2 GeV... up to 10 GeV.
constexpr double kMinLog = -6, kMaxLog = 1;
int sliderFor(double gev) {
  return static_cast<int>(std::lround((std::log10(std::max(gev, 1e-6)) - kMinLog) / (kMaxLog - kMinLog) * 700));
}
double gevFor(int pos) { return std::pow(10.0, kMinLog + (kMaxLog - kMinLog) * pos / 700.0); }
QString energyText(double gev) {
  if (gev >= 1) return QStringLiteral("%1 GeV").arg(gev, 0, 'g', 3);
  if (gev >= 1e-3) return QStringLiteral("%1 MeV").arg(gev * 1e3, 0, 'g', 3);
  return QStringLiteral("%1 keV").arg(gev * 1e6, 0, 'g', 3);
}
}  // namespace

struct ShowerView::Vtk {
  vtkNew<vtkLookupTable> lut;
  vtkNew<vtkPolyDataMapper> mapper;
  vtkNew<vtkActor> cells;
  vtkNew<vtkOutlineSource> outline;
  vtkNew<vtkPolyDataMapper> outlineMapper;
  vtkNew<vtkActor> outlineActor;
  vtkNew<vtkScalarBarActor> bar;
  vtkNew<vtkCubeAxesActor> axes;
};

ShowerView::ShowerView(QWidget* parent)
    : QWidget(parent), vtk_(new Vtk), view_(new VtkView), plots_(new ShowerPlots) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  caption_ = new QLabel(this);
  caption_->setObjectName(QStringLiteral("caption"));
  auto* browse = new QHBoxLayout;
  prev_ = new QPushButton(tr("◀ Previous"), this);
  next_ = new QPushButton(tr("Next ▶"), this);
  prev_->setObjectName(QStringLiteral("previousEvent"));
  next_->setObjectName(QStringLiteral("nextEvent"));
  eventBox_ = new QSpinBox(this);
  eventBox_->setPrefix(tr("event "));
  browse->addWidget(caption_, 1);
  browse->addWidget(prev_);
  browse->addWidget(eventBox_);
  browse->addWidget(next_);
  auto* save = new QPushButton(tr("Save Picture…"), this);
  save->setObjectName(QStringLiteral("savePicture"));
  browse->addWidget(save);
  connect(save, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getSaveFileName(this, tr("Save Picture"), QString(), tr("PNG images (*.png)"));
    QString err;
    if (!f.isEmpty() && !savePicture(f, &err)) caption_->setText(err);
  });
  layout->addLayout(browse);
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(view_);
  split->addWidget(plots_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  layout->addWidget(split, 1);

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Threshold"), this));
  thresholdSlider_ = new QSlider(Qt::Horizontal, this);
  thresholdSlider_->setRange(0, 700);
  thresholdSlider_->setToolTip(tr("Hide cells with this energy or less (logarithmic)"));
  thresholdLabel_ = new QLabel(this);
  thresholdLabel_->setMinimumWidth(80);
  controls->addWidget(thresholdSlider_, 1);
  controls->addWidget(thresholdLabel_);
  controls->addSpacing(12);
  controls->addWidget(new QLabel(tr("Layers"), this));
  firstLayer_ = new QSpinBox(this);
  lastLayer_ = new QSpinBox(this);
  controls->addWidget(firstLayer_);
  controls->addWidget(new QLabel(QStringLiteral("–"), this));
  controls->addWidget(lastLayer_);
  controls->addSpacing(12);
  colours_ = new QComboBox(this);
  colours_->setObjectName(QStringLiteral("colourMap"));
  colours_->addItems(colourMapNames());
  colours_->setToolTip(tr("Colour map of the cell energies: viridis is perceptually uniform, the rainbow is not"));
  controls->addWidget(colours_);
  connect(colours_, &QComboBox::currentIndexChanged, this,
          [this](int i) { setColourMap(static_cast<ColourMap>(std::max(0, i))); });
  info_ = new QLabel(this);
  info_->setObjectName(QStringLiteral("info"));
  controls->addSpacing(12);
  controls->addWidget(info_);
  layout->addLayout(controls);

  setUpScene();

  connect(thresholdSlider_, &QSlider::valueChanged, this, [this](int v) {
    threshold_ = gevFor(v);
    rebuild();
  });
  connect(firstLayer_, &QSpinBox::valueChanged, this, [this] { rebuild(); });
  connect(lastLayer_, &QSpinBox::valueChanged, this, [this] { rebuild(); });
  connect(prev_, &QPushButton::clicked, this, [this] { requestEvent((pending_ >= 0 ? pending_ : current_) - 1); });
  connect(next_, &QPushButton::clicked, this, [this] { requestEvent((pending_ >= 0 ? pending_ : current_) + 1); });
  connect(eventBox_, &QSpinBox::valueChanged, this, [this](int v) {
    if (v != current_) requestEvent(v);
  });
  {
    QSignalBlocker b(thresholdSlider_);
    thresholdSlider_->setValue(sliderFor(threshold_));
  }
  thresholdLabel_->setText(energyText(threshold_));
  setEvents(0, {});
}

// The VTK side: cells coloured by log energy, the colour bar, the detector outline and axes.
void ShowerView::setUpScene() {
  // Log energy in MeV; viridis unless the user picks the rainbow.
  fillLookupTable(vtk_->lut, colourMap_);
  vtk_->mapper->SetLookupTable(vtk_->lut);
  vtk_->mapper->SetScalarModeToUseCellData();
  vtk_->cells->SetMapper(vtk_->mapper);
  vtk_->cells->GetProperty()->SetAmbient(0.35);
  vtk_->cells->GetProperty()->SetDiffuse(0.75);
  vtk_->outlineMapper->SetInputConnection(vtk_->outline->GetOutputPort());
  vtk_->outlineActor->SetMapper(vtk_->outlineMapper);
  vtk_->outlineActor->GetProperty()->SetColor(0.7, 0.7, 0.75);
  vtk_->bar->SetLookupTable(vtk_->lut);
  vtk_->bar->SetTitle("log10(E/MeV)");
  vtk_->bar->SetNumberOfLabels(5);
  vtk_->bar->SetWidth(0.09);
  vtk_->bar->SetHeight(0.6);
  vtk_->bar->SetPosition(0.82, 0.2);
  // Fixed point sizes: the default scales text with the bar and makes the unit unreadable
  // in narrow views such as the comparison.
  vtk_->bar->UnconstrainedFontSizeOn();
  vtk_->bar->GetTitleTextProperty()->SetFontSize(13);
  vtk_->bar->GetLabelTextProperty()->SetFontSize(12);
  vtk_->axes->SetXTitle("x cell");
  vtk_->axes->SetYTitle("y cell");
  vtk_->axes->SetZTitle("layer");
  vtk_->axes->SetFlyModeToOuterEdges();
  vtk_->axes->SetGridLineLocation(vtkCubeAxesActor::VTK_GRID_LINES_FURTHEST);
  for (int i = 0; i < 3; ++i) {
    vtk_->axes->GetTitleTextProperty(i)->SetColor(0.85, 0.85, 0.9);
    vtk_->axes->GetLabelTextProperty(i)->SetColor(0.85, 0.85, 0.9);
  }
  vtkRenderer* r = view_->renderer();
  r->AddActor(vtk_->cells);
  r->AddActor(vtk_->outlineActor);
  r->AddActor(vtk_->axes);
  r->AddViewProp(vtk_->bar);
  vtk_->axes->SetCamera(r->GetActiveCamera());
}

ShowerView::~ShowerView() {
  saveState();
  delete vtk_;
}

void ShowerView::setColourMap(ColourMap m) {
  colourMap_ = m;
  {
    const QSignalBlocker b(colours_);
    colours_->setCurrentIndex(static_cast<int>(m));
  }
  fillLookupTable(vtk_->lut, m);
  vtk_->lut->Modified();
  view_->update();
}

QVariantMap ShowerView::state() const {
  vtkCamera* cam = view_->renderer()->GetActiveCamera();
  auto vec = [](const double* v) { return QVariantList{v[0], v[1], v[2]}; };
  return {{"event", current_},
          {"threshold", threshold_},
          {"firstLayer", firstLayer_->value()},
          {"lastLayer", lastLayer_->value()},
          {"position", vec(cam->GetPosition())},
          {"focalPoint", vec(cam->GetFocalPoint())},
          {"viewUp", vec(cam->GetViewUp())},
          {"parallelScale", cam->GetParallelScale()},
          {"colourMap", colourMapName(colourMap_)}};
}

void ShowerView::setState(const QVariantMap& s) {
  if (s.contains("event") && s.value("event").toInt() != current_) goToEvent(s.value("event").toInt());
  if (s.contains("firstLayer")) setLayerRange(s.value("firstLayer").toInt(), s.value("lastLayer").toInt());
  if (s.contains("threshold")) setThreshold(s.value("threshold").toDouble());
  if (s.contains("colourMap")) setColourMap(colourMapFromName(s.value("colourMap").toString()));
  auto vec = [&](const char* k, double* out) {
    const QVariantList l = s.value(k).toList();
    if (l.size() != 3) return false;
    for (int i = 0; i < 3; ++i) out[i] = l[i].toDouble();
    return true;
  };
  double p[3], f[3], u[3];
  if (vec("position", p) && vec("focalPoint", f) && vec("viewUp", u)) {
    vtkCamera* cam = view_->renderer()->GetActiveCamera();
    cam->SetPosition(p);
    cam->SetFocalPoint(f);
    cam->SetViewUp(u);
    if (s.contains("parallelScale")) cam->SetParallelScale(s.value("parallelScale").toDouble());
    view_->renderer()->ResetCameraClippingRange();
    view_->update();
  }
}

void ShowerView::saveState() const {
  if (stateKey_.isEmpty() || current_ < 0) return;
  QSettings().setValue(stateKey_, state());
}

bool ShowerView::restoreState() {
  if (stateKey_.isEmpty()) return false;
  const QVariantMap s = QSettings().value(stateKey_).toMap();
  if (s.isEmpty()) return false;
  setState(s);
  return true;
}

bool ShowerView::savePicture(const QString& pngFile, QString* error) { return view_->saveSnapshot(pngFile, error); }

void ShowerView::setEvent(const CellGrid& grid, const QString& caption) {
  setEvents(1, [grid, caption](int) { return std::make_pair(grid, caption); });
}

void ShowerView::setEvents(int count, Loader load) {
  count_ = count;
  load_ = std::move(load);
  current_ = -1;
  const bool many = count > 1;
  prev_->setVisible(many);
  next_->setVisible(many);
  eventBox_->setVisible(many);
  {
    QSignalBlocker b(eventBox_);
    eventBox_->setRange(0, std::max(0, count - 1));
  }
  if (count > 0) goToEvent(0);
}

bool ShowerView::outOfRange(int index) {
  if (index >= 0 && index < count_) return false;
  message_ = tr("Event %1 is out of range: there are %2 events (0..%3)").arg(index).arg(count_).arg(count_ - 1);
  return true;
}

bool ShowerView::goToEvent(int index) {
  if (!load_) return false;
  if (outOfRange(index)) return false;
  pending_ = -1;  // a synchronous jump wins over a read in flight
  try {
    return apply(index, load_(index));
  } catch (const std::exception& e) {
    message_ = tr("Event %1 cannot be shown: %2").arg(index).arg(QString::fromUtf8(e.what()));
    caption_->setText(message_);
    return false;
  }
}

void ShowerView::requestEvent(int index) {
  if (!load_) return;
  if (outOfRange(index)) return;
  pending_ = index;
  caption_->setText(tr("Loading event %1…").arg(index));
  using Result = std::pair<CellGrid, QString>;
  auto* watcher = new QFutureWatcher<Result>(this);
  connect(watcher, &QFutureWatcher<Result>::finished, this, [this, watcher, index] {
    watcher->deleteLater();
    if (pending_ != index) return;  // superseded
    pending_ = -1;
    try {
      apply(index, watcher->result());
    } catch (const std::exception& e) {
      message_ = tr("Event %1 cannot be shown: %2").arg(index).arg(QString::fromUtf8(e.what()));
      caption_->setText(message_);
    }
  });
  watcher->setFuture(QtConcurrent::run([load = load_, index] { return load(index); }));
}

bool ShowerView::apply(int index, std::pair<CellGrid, QString> loaded) {
  auto& [grid, caption] = loaded;
  if (grid.nx <= 0 || grid.ny <= 0 || grid.nz <= 0 ||
      grid.e.size() != static_cast<std::size_t>(grid.nx) * grid.ny * grid.nz) {
    message_ = tr("Event %1 cannot be shown: it has an inconsistent shape").arg(index);
    caption_->setText(message_);
    return false;
  }
  const bool firstEvent = grid_.nx == 0;
  const bool newShape =
      grid.nx != grid_.nx || grid.ny != grid_.ny || grid.nz != grid_.nz || grid.cylindrical != grid_.cylindrical;
  grid_ = std::move(grid);
  message_.clear();
  caption_->setText(count_ > 1 ? tr("Event %1 of %2 — %3").arg(index).arg(count_).arg(caption) : caption);
  if (newShape) {
    QSignalBlocker b1(firstLayer_), b2(lastLayer_);
    firstLayer_->setRange(0, grid_.nz - 1);
    lastLayer_->setRange(0, grid_.nz - 1);
    firstLayer_->setValue(0);
    lastLayer_->setValue(grid_.nz - 1);
    if (grid_.cylindrical) {  // a cylinder of radius rmax around the z axis, in mm
      const double r = grid_.rEdges.back();
      vtk_->outline->SetBounds(-r, r, -r, r, 0, grid_.nz);
      vtk_->axes->SetBounds(-r, r, -r, r, 0, grid_.nz);
      vtk_->axes->SetXTitle(("x [" + grid_.transverseUnit + "]").c_str());
      vtk_->axes->SetYTitle(("y [" + grid_.transverseUnit + "]").c_str());
    } else {
      vtk_->outline->SetBounds(0, grid_.nx, 0, grid_.ny, 0, grid_.nz);
      vtk_->axes->SetBounds(0, grid_.nx, 0, grid_.ny, 0, grid_.nz);
      vtk_->axes->SetXTitle("x cell");
      vtk_->axes->SetYTitle("y cell");
    }
  }
  current_ = index;
  {
    QSignalBlocker b(eventBox_);
    eventBox_->setValue(index);
  }
  prev_->setEnabled(index > 0);
  next_->setEnabled(index + 1 < count_);
  rebuild();
  if (firstEvent || newShape) {
    // The shower runs along z (layers): look at it from the side (-x), a little above and in
    // front, so it enters on the left and its longitudinal development reads left to right.
    vtkCamera* cam = view_->renderer()->GetActiveCamera();
    const double cx = grid_.cylindrical ? 0 : grid_.nx / 2.0, cy = grid_.cylindrical ? 0 : grid_.ny / 2.0;
    const double sx = grid_.cylindrical ? 2 * grid_.rEdges.back() : grid_.nx;
    const double sy = grid_.cylindrical ? 2 * grid_.rEdges.back() : grid_.ny;
    cam->SetFocalPoint(cx, cy, grid_.nz / 2.0);
    cam->SetPosition(cx - sx * 2.0, cy + sy * 0.2, grid_.nz / 2.0 - grid_.nz * 0.6);
    cam->SetViewUp(0, 1, 0);
    cam->ParallelProjectionOn();  // cell positions read straight off the axes
    view_->renderer()->ResetCamera();
    view_->renderer()->ResetCameraClippingRange();
  }
  Q_EMIT eventChanged(index);
  return true;
}

void ShowerView::setColourRange(std::optional<std::pair<double, double>> log10MeV) {
  if (fixedRange_ == log10MeV) return;
  fixedRange_ = log10MeV;
  applyColours();
}

void ShowerView::applyColours() {
  // Without a fixed range the colours span this event's drawn cells.
  double lo = std::log10(std::max(stats_.minEnergy, 1e-6) * 1e3);
  double hi = std::log10(std::max(stats_.maxEnergy, 1e-6) * 1e3);
  if (fixedRange_) std::tie(lo, hi) = *fixedRange_;
  hi = std::max(hi, lo + 1e-3);
  colourRange_ = {lo, hi};
  vtk_->mapper->SetScalarRange(lo, hi);
  // Round labels on the colour bar, as on every chart axis.
  vtkNew<vtkDoubleArray> labels;
  const plot::Ticks ticks = plot::ticksWithin(lo, hi, 5);
  for (double v : ticks.values) labels->InsertNextValue(v);
  vtk_->bar->SetUseCustomLabels(labels->GetNumberOfTuples() >= 2);
  vtk_->bar->SetCustomLabels(labels);
  vtk_->bar->SetLabelFormat(("%." + std::to_string(ticks.decimals) + "f").c_str());
  vtk_->lut->SetTableRange(lo, hi);
  view_->update();
}

void ShowerView::setThreshold(double gev) {
  threshold_ = gev;
  QSignalBlocker b(thresholdSlider_);
  thresholdSlider_->setValue(sliderFor(gev));
  rebuild();
}

void ShowerView::setLayerRange(int first, int last) {
  {
    QSignalBlocker b1(firstLayer_), b2(lastLayer_);
    firstLayer_->setValue(first);
    lastLayer_->setValue(last);
  }
  rebuild();
}

int ShowerView::firstLayer() const { return firstLayer_->value(); }
int ShowerView::lastLayer() const { return lastLayer_->value(); }

void ShowerView::rebuild() {
  thresholdLabel_->setText(energyText(threshold_));
  if (grid_.nx == 0) {
    info_->setText(tr("no event"));
    return;
  }
  ShowerCut cut;
  cut.threshold = threshold_;
  cut.firstLayer = firstLayer_->value();
  cut.lastLayer = lastLayer_->value();
  auto poly = exposedFaces(grid_, cut, &stats_);
  vtk_->mapper->SetInputData(poly);
  applyColours();
  info_->setText(tr("%1 cells shown, %2 in them").arg(stats_.litCells).arg(energyText(stats_.totalEnergy)));
  plots_->update(grid_, cut);
  Q_EMIT cutChanged();
}

}  // namespace tf::viewers
