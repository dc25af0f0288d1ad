// The GW strain viewer: a time series drawn by min/max decimation from a pyramid (an hour at
// 4096 Hz, 14.7 M samples, redraws in milliseconds), raw / whitened / band-passed, with the
// clean and denoised counterparts overlaid where they lie beside the file
// (NAME.clean.hdf5, NAME.denoised.hdf5); data-quality segments shaded; the ASD on log-log axes
// with the design curve; the Q-transform (or spectrogram) with a colour bar. A time range
// dragged with the right mouse button (or Shift + left) in the time series or the image is
// shared: the time series zooms to it, the ASD and the Q-transform are computed over it.
#pragma once

#include "GwScience.h"
#include "data/StrainFile.h"
#include "signal/Signal.h"

#include <QWidget>

#include <memory>
#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;

namespace tf::viewers {

// Min/max of a series at halving resolutions: level k holds bucket extremes of 2^(k+1) samples.
class MinMaxPyramid {
 public:
  void build(const std::vector<double>& v);
  // Min and max of samples [a, b), in O(log n) buckets per call.
  std::pair<double, double> range(std::size_t a, std::size_t b) const;
  std::size_t size() const { return n_; }

 private:
  const std::vector<double>* v_ = nullptr;
  std::size_t n_ = 0;
  std::vector<std::vector<float>> mins_, maxs_;
};

struct Trace {
  QString name;
  QColor colour;
  const std::vector<double>* values = nullptr;
  MinMaxPyramid pyramid;
};

// The time-series plot: time on x relative to an origin (GPS), pan by dragging, zoom with the
// wheel, select a range with the right button or Shift + left.
class TracePlot : public QWidget {
  Q_OBJECT
 public:
  explicit TracePlot(QWidget* parent = nullptr);
  void setSeries(double t0, double rate, std::size_t n);  // the samples' time base
  void setTraces(std::vector<Trace*> traces, const QString& yLabel);
  void setShading(std::vector<std::pair<double, double>> bad, std::vector<std::pair<double, double>> vetoed);
  void setOrigin(double gps, const QString& label);
  void setView(double gpsBegin, double gpsEnd);
  double viewBegin() const { return v0_; }
  double viewEnd() const { return v1_; }
  void setSelection(double a, double b);
  std::pair<double, double> selection() const { return {s0_, s1_}; }
  double lastPaintMs() const { return lastPaintMs_; }
  QSize sizeHint() const override { return {900, 300}; }

 Q_SIGNALS:
  void selectionChanged(double gpsBegin, double gpsEnd);
  void viewChanged(double gpsBegin, double gpsEnd);

 protected:
  void paintEvent(QPaintEvent*) override;
  void wheelEvent(QWheelEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;

 private:
  QRectF plotRect() const;
  double timeAt(double x) const;
  double xAt(double gps) const;
  double t0_ = 0, rate_ = 1;
  std::size_t n_ = 0;
  std::vector<Trace*> traces_;
  QString yLabel_;
  std::vector<std::pair<double, double>> bad_, vetoed_;
  double origin_ = 0;
  QString originLabel_;
  double v0_ = 0, v1_ = 1, s0_ = 0, s1_ = 0;
  bool panning_ = false, selecting_ = false;
  double pressX_ = 0, pressV0_ = 0, pressV1_ = 0;
  double lastPaintMs_ = 0;
};

// Log-log ASD curves.
class AsdPlot : public QWidget {
  Q_OBJECT
 public:
  explicit AsdPlot(QWidget* parent = nullptr);
  struct Curve {
    QString name;
    QColor colour;
    std::vector<double> f, a;
    bool dashed = false;
  };
  void setCurves(std::vector<Curve> curves, const QString& yLabel, const QString& title);
  QSize sizeHint() const override { return {420, 300}; }

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  std::vector<Curve> curves_;
  QString yLabel_, title_;
};

// A time-frequency image (rows in time, log or linear frequency) with a colour bar.
class TfImage : public QWidget {
  Q_OBJECT
 public:
  explicit TfImage(QWidget* parent = nullptr);
  void setImage(const signal::Spectrogram& s, double origin, bool logFrequency, double vmax, const QString& title,
                const QString& barLabel, bool logValues);
  QSize sizeHint() const override { return {480, 300}; }

 Q_SIGNALS:
  void selectionChanged(double gpsBegin, double gpsEnd);

 protected:
  void paintEvent(QPaintEvent*) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;

 private:
  QRectF plotRect() const;
  QImage image_;
  double t0_ = 0, t1_ = 1, f0_ = 1, f1_ = 2, origin_ = 0, vmax_ = 1;
  bool logF_ = true, logV_ = false;
  QString title_, barLabel_;
  bool selecting_ = false;
  double selA_ = 0, selB_ = 0;
};

class StrainView : public QWidget {
  Q_OBJECT
 public:
  // Throws std::runtime_error naming the file when it is not strain. `eventIndex` >= 0 centres
  // the view on that event of NAME.events.csv.
  explicit StrainView(const QString& path, int eventIndex = -1, QWidget* parent = nullptr);
  ~StrainView() override;

  enum class Mode { Raw, Whitened, Bandpassed };
  void setMode(Mode m);
  Mode mode() const { return mode_; }
  void setSelection(double gpsBegin, double gpsEnd);  // zooms, recomputes ASD and Q-transform
  std::pair<double, double> selection() const;
  TracePlot* trace() const { return trace_; }
  TfImage* image() const { return image_; }
  bool hasClean() const { return static_cast<bool>(clean_); }
  bool hasDenoised() const { return static_cast<bool>(denoised_); }
  int events() const { return static_cast<int>(events_.size()); }
  QString status() const;
  // Milliseconds of the last ASD and time-frequency computation.
  double lastAnalysisMs() const { return analysisMs_; }

 private:
  void rebuildTraces();
  void analyse();
  const signal::TimeSeries& gapless();     // the strain with gaps as zeros (a copy only when it has gaps)
  const signal::Spectrum& fileAsd();       // the whole file's ASD, once
  const signal::TimeSeries& whitenedNoisy();

  QString path_;
  data::StrainData strain_;
  std::unique_ptr<signal::TimeSeries> clean_, denoised_, whitened_, cleanWhite_, band_, cleanBand_;
  std::unique_ptr<signal::Spectrum> asd_;
  std::unique_ptr<signal::TimeSeries> gapless_;
  gw::TwinWhitening whitening_;  // as gw.Whiten, so the whitened view matches the pipeline's files
  struct Ev {
    QString kind;
    double gps, snr;
  };
  std::vector<Ev> events_;
  Mode mode_ = Mode::Raw;
  std::vector<std::unique_ptr<Trace>> traces_;
  TracePlot* trace_ = nullptr;
  AsdPlot* asdPlot_ = nullptr;
  TfImage* image_ = nullptr;
  QComboBox* modeBox_ = nullptr;
  QComboBox* tfBox_ = nullptr;
  QComboBox* eventBox_ = nullptr;
  QDoubleSpinBox* bandLow_ = nullptr;
  QDoubleSpinBox* bandHigh_ = nullptr;
  QCheckBox* showClean_ = nullptr;
  QCheckBox* showDenoised_ = nullptr;
  QLabel* status_ = nullptr;
  double analysisMs_ = 0;
};

// Registers the "strain" viewer for GWOSC/LOSC HDF5 files.
class ViewerRegistry;
void registerGwViewers(ViewerRegistry& r);

}  // namespace tf::viewers
