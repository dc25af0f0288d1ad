// The physics-validation report of calo.Validate (report.json and the SVG plots beside it):
// a summary line (score, Monte Carlo floor, events) and one tab per plot, drawn from the SVG
// at its natural size and scrollable. Opened from the workbench by double-clicking the
// validation step, or with `twinforge --open .../report.json`.
#pragma once

#include <QWidget>

class QLabel;
class QTabWidget;

namespace tf::viewers {

class ReportView : public QWidget {
 public:
  // Throws std::runtime_error naming the file when it is not a validation report.
  explicit ReportView(const QString& reportJson, QWidget* parent = nullptr);
  static bool recognises(const QString& path);  // a .json with "score" and "plots"
  QString summary() const;
  int plotCount() const;
  QSize sizeHint() const override { return {1260, 900}; }

 private:
  QLabel* summary_ = nullptr;
  QTabWidget* tabs_ = nullptr;
};

}  // namespace tf::viewers
