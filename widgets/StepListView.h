// The pipeline's steps in execution order with their live status: idle, queued, running
// (with progress), done (with duration), failed (message as tooltip), or unknown component.
// The canvas shows the same statuses as badges; this list (the Steps dock) keeps the status model
// and a table to read them from.
#pragma once

#include "pipeline/Pipeline.h"

#include <QTreeWidget>

namespace tf {
struct Event;
}

namespace tf::ui {

enum class StepStatus { Idle, Queued, Running, Done, Failed, Cancelled, Unknown, Invalid };
QString stepStatusName(StepStatus s);

class StepListView : public QTreeWidget {
  Q_OBJECT
 public:
  enum Column { ColStep, ColComponent, ColStatus, ColInfo, ColCount };
  explicit StepListView(QWidget* parent = nullptr);

  // Steps named in error diagnostics (key "step" or "step.param") are shown as invalid.
  void setPipeline(const tf::Pipeline& p, const tf::Diagnostics* diags = nullptr);
  void clearPipeline();
  void applyEvent(const tf::Event& e);  // updates statuses from a run's event
  void resetStatuses();

  StepStatus status(const QString& step) const;
  QString info(const QString& step) const;
  QString selectedStep() const;

 private:
  QTreeWidgetItem* itemFor(const QString& step) const;
  void setStatus(QTreeWidgetItem* item, StepStatus s, const QString& info = {}, const QString& tooltip = {});
};

}  // namespace tf::ui
