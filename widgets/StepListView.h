// The pipeline's steps in execution order with their live status: idle, queued, running
// (with progress), done (with duration), failed (message as tooltip), or unknown component.
// A view of the run's progress model (core's RunProgress), which the canvas observes too.
#pragma once

#include "exec/RunProgress.h"

#include <QTreeWidget>

namespace tf::ui {

using tf::StepStatus;
QString stepStatusText(StepStatus s);  // translated

class StepListView : public QTreeWidget, private tf::RunProgress::Observer {
  Q_OBJECT
 public:
  enum Column { ColStep, ColComponent, ColStatus, ColInfo, ColCount };
  explicit StepListView(QWidget* parent = nullptr);
  ~StepListView() override;

  void setProgress(tf::RunProgress* progress);
  StepStatus status(const QString& step) const;
  QString info(const QString& step) const;
  QString selectedStep() const;

 private:
  void pipelineChanged() override;
  void stepChanged(const tf::StepProgress& step) override;
  QTreeWidgetItem* itemFor(const QString& step) const;
  void show(QTreeWidgetItem* item, const tf::StepProgress& s);
  tf::RunProgress* progress_ = nullptr;
};

}  // namespace tf::ui
