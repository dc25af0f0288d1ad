#include "StepListView.h"

#include "exec/Event.h"

#include <QHeaderView>

namespace tf::ui {

QString stepStatusName(StepStatus s) {
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
constexpr int kStatusRole = Qt::UserRole + 1;
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

void StepListView::setPipeline(const tf::Pipeline& p, const tf::Diagnostics* diags) {
  clear();
  for (const auto& s : p.steps) {
    QStringList problems;
    if (diags)
      for (const auto& d : diags->all())
        if (d.severity == Diagnostic::Severity::Error && (d.key == s.name || d.key.rfind(s.name + ".", 0) == 0))
          problems << QString::fromStdString(
              (d.key == s.name ? std::string() : d.key.substr(s.name.size() + 1) + ": ") + d.message);
    auto* item = new QTreeWidgetItem(this);
    item->setText(ColStep, QString::fromStdString(s.name));
    item->setText(ColComponent, QString::fromStdString(s.classPath));
    QStringList inputs;
    for (const auto& b : s.inputs) inputs << QString::fromStdString(b.port + " ← " + b.fromStep + "." + b.fromPort);
    item->setToolTip(ColStep, inputs.isEmpty() ? tr("no inputs") : tr("inputs:\n") + inputs.join('\n'));
    if (!s.info) {
      QString near;
      for (const auto& n : s.suggestions) near += (near.isEmpty() ? "" : ", ") + QString::fromStdString(n);
      setStatus(item, StepStatus::Unknown,
                tr("placeholder: no plugin provides %1").arg(QString::fromStdString(s.classPath)),
                near.isEmpty() ? QString() : tr("Closest known components: %1").arg(near));
    } else if (!problems.isEmpty()) {
      setStatus(item, StepStatus::Invalid, problems.first(), problems.join('\n'));
    } else {
      setStatus(item, StepStatus::Idle);
    }
  }
}

void StepListView::clearPipeline() { clear(); }

void StepListView::resetStatuses() {
  for (int i = 0; i < topLevelItemCount(); ++i) {
    auto* it = topLevelItem(i);
    const auto st = static_cast<StepStatus>(it->data(ColStatus, kStatusRole).toInt());
    if (st != StepStatus::Unknown && st != StepStatus::Invalid) setStatus(it, StepStatus::Idle);
  }
}

QTreeWidgetItem* StepListView::itemFor(const QString& step) const {
  for (int i = 0; i < topLevelItemCount(); ++i)
    if (topLevelItem(i)->text(ColStep) == step) return topLevelItem(i);
  return nullptr;
}

void StepListView::setStatus(QTreeWidgetItem* item, StepStatus s, const QString& info, const QString& tooltip) {
  item->setData(ColStatus, kStatusRole, static_cast<int>(s));
  item->setText(ColStatus, stepStatusName(s));
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
  auto* it = itemFor(step);
  return it ? static_cast<StepStatus>(it->data(ColStatus, kStatusRole).toInt()) : StepStatus::Idle;
}

QString StepListView::info(const QString& step) const {
  auto* it = itemFor(step);
  return it ? it->text(ColInfo) : QString();
}

QString StepListView::selectedStep() const {
  auto* it = currentItem();
  return it ? it->text(ColStep) : QString();
}

void StepListView::applyEvent(const tf::Event& e) {
  const QString step = QString::fromStdString(e.step);
  QTreeWidgetItem* it = itemFor(step);
  switch (e.type) {
    case Event::Type::RunStarted:
      resetStatuses();
      for (const auto& s : e.steps)
        if (auto* i = itemFor(QString::fromStdString(s))) setStatus(i, StepStatus::Queued);
      break;
    case Event::Type::StepStarted:
      if (it) setStatus(it, StepStatus::Running, tr("started"));
      break;
    case Event::Type::Progress:
      if (it)
        setStatus(it, StepStatus::Running,
                  QStringLiteral("%1%  %2").arg(qRound(e.progress * 100)).arg(QString::fromStdString(e.message)));
      break;
    case Event::Type::StepFinished:
      if (it) setStatus(it, StepStatus::Done, tr("finished in %1 s").arg(e.seconds, 0, 'f', 2));
      break;
    case Event::Type::StepFailed:
      if (it)
        setStatus(it, e.message == "cancelled" ? StepStatus::Cancelled : StepStatus::Failed,
                  QString::fromStdString(e.message));
      break;
    case Event::Type::RunFailed:
    case Event::Type::RunCancelled:
      // Steps still queued will not run now.
      for (int i = 0; i < topLevelItemCount(); ++i)
        if (status(topLevelItem(i)->text(ColStep)) == StepStatus::Queued)
          setStatus(topLevelItem(i), StepStatus::Idle, tr("not run"));
      break;
    default:
      break;
  }
}

}  // namespace tf::ui
