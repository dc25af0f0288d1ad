#include "StepListView.h"

#include "exec/Event.h"

#include <QHeaderView>

namespace tf::ui {

QString stepStatusText(StepStatus s) {
  switch (s) {
    case StepStatus::Idle:
      return QObject::tr("idle");
    case StepStatus::Queued:
      return QObject::tr("queued");
    case StepStatus::Running:
      return QObject::tr("running");
    case StepStatus::Done:
      return QObject::tr("done");
    case StepStatus::Failed:
      return QObject::tr("failed");
    case StepStatus::Cancelled:
      return QObject::tr("cancelled");
    case StepStatus::Unknown:
      return QObject::tr("unknown");
    case StepStatus::Invalid:
      return QObject::tr("invalid");
  }
  return {};
}

namespace {
QColor statusColor(StepStatus s) {
  switch (s) {
    case StepStatus::Running:
      return QColor(0x1f, 0x6f, 0xd0);
    case StepStatus::Done:
      return QColor(0x1e, 0x8e, 0x3e);
    case StepStatus::Failed:
    case StepStatus::Invalid:
    case StepStatus::Unknown:
      return QColor(0xc5, 0x22, 0x1f);
    case StepStatus::Cancelled:
      return QColor(0xb0, 0x6a, 0x00);
    default:
      return QColor(0x60, 0x60, 0x60);
  }
}
}  // namespace

StepListView::StepListView(QWidget* parent) : QTreeWidget(parent) {
  setColumnCount(ColCount);
  setHeaderLabels({tr("Step"), tr("Component"), tr("Status"), tr("Progress / message")});
  setRootIsDecorated(false);
  setAlternatingRowColors(true);
  setUniformRowHeights(true);
  header()->setSectionResizeMode(ColInfo, QHeaderView::Stretch);
  header()->resizeSection(ColStep, 115);
  header()->resizeSection(ColComponent, 180);
  header()->resizeSection(ColStatus, 80);
  header()->setMinimumSectionSize(60);
}

StepListView::~StepListView() {
  if (progress_) progress_->removeObserver(this);
}

void StepListView::setProgress(tf::RunProgress* progress) {
  if (progress_) progress_->removeObserver(this);
  progress_ = progress;
  if (progress_) progress_->addObserver(this);
  pipelineChanged();
}

void StepListView::pipelineChanged() {
  clear();
  if (!progress_) return;
  for (const auto& s : progress_->steps()) {
    auto* item = new QTreeWidgetItem(this);
    item->setText(ColStep, QString::fromStdString(s.step));
    item->setText(ColComponent, QString::fromStdString(s.classPath));
    QStringList inputs;
    for (const auto& b : s.inputs) inputs << QString::fromStdString(b);
    item->setToolTip(ColStep, inputs.isEmpty() ? tr("no inputs") : tr("inputs:\n") + inputs.join('\n'));
    show(item, s);
  }
}

void StepListView::stepChanged(const tf::StepProgress& s) {
  if (auto* item = itemFor(QString::fromStdString(s.step))) show(item, s);
}

QTreeWidgetItem* StepListView::itemFor(const QString& step) const {
  for (int i = 0; i < topLevelItemCount(); ++i)
    if (topLevelItem(i)->text(ColStep) == step) return topLevelItem(i);
  return nullptr;
}

void StepListView::show(QTreeWidgetItem* item, const tf::StepProgress& p) {
  const StepStatus s = p.status;
  const QString info = QString::fromStdString(p.info), tooltip = QString::fromStdString(p.detail);
  item->setText(ColStatus, stepStatusText(s));
  item->setForeground(ColStatus, statusColor(s));
  QFont f = item->font(ColStatus);
  f.setBold(s == StepStatus::Running || s == StepStatus::Failed || s == StepStatus::Unknown ||
            s == StepStatus::Invalid);
  item->setFont(ColStatus, f);
  item->setText(ColInfo, info);
  item->setToolTip(ColInfo, tooltip.isEmpty() ? info : tooltip);
  item->setToolTip(ColStatus, tooltip.isEmpty() ? info : tooltip);
}

StepStatus StepListView::status(const QString& step) const {
  return progress_ ? progress_->status(step.toStdString()) : StepStatus::Idle;
}

QString StepListView::info(const QString& step) const {
  const tf::StepProgress* s = progress_ ? progress_->step(step.toStdString()) : nullptr;
  return s ? QString::fromStdString(s->info) : QString();
}

QString StepListView::selectedStep() const {
  auto* it = currentItem();
  return it ? it->text(ColStep) : QString();
}

}  // namespace tf::ui
