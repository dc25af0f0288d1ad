#include "RunsBrowser.h"

#include "MetricsChart.h"

#include "exec/RunStore.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QTextStream>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace tf::ui {

namespace {

class NumberItem : public QTableWidgetItem {
 public:
  explicit NumberItem(double v, const QString& text) : QTableWidgetItem(text) { setData(Qt::UserRole, v); }
  bool operator<(const QTableWidgetItem& o) const override {
    return data(Qt::UserRole).toDouble() < o.data(Qt::UserRole).toDouble();
  }
};

enum Col { ColName, ColStatus, ColStart, ColDuration, ColId, ColParams, ColFixed };

}  // namespace

QVector<RunRecord> scanRuns(const QString& workspace) {
  QVector<RunRecord> out;
  for (const auto& rec : RunStore(workspace.toStdString()).listRuns()) {
    RunRecord r;
    r.id = QString::fromStdString(rec.id);
    r.name = QString::fromStdString(rec.name);
    r.dir = QString::fromStdString(rec.dir.string());
    r.pipelineFile = QString::fromStdString(RunStore::pipelineFile(rec.dir).string());
    r.status = QString::fromLatin1(RunStore::statusName(rec.status));
    r.start = QDateTime::fromMSecsSinceEpoch(rec.startMs);
    if (rec.endMs > 0) r.end = QDateTime::fromMSecsSinceEpoch(rec.endMs);
    for (const auto& [k, v] : rec.params) r.params[QString::fromStdString(k)] = QString::fromStdString(v);
    for (const auto& [k, pts] : rec.metrics) {
      auto& line = r.metrics[QString::fromStdString(k)];
      for (const auto& p : pts) line.append(QPointF(static_cast<double>(p.step), p.value));
    }
    out.append(r);
  }
  return out;
}

RunsBrowser::RunsBrowser(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("runsBrowser"));
  filter_ = new QLineEdit(this);
  filter_->setPlaceholderText(tr("Filter runs (name, status, parameter values…)"));
  filter_->setClearButtonEnabled(true);
  auto* refresh = new QPushButton(tr("Refresh"), this);
  metric_ = new QComboBox(this);
  metric_->setToolTip(tr("Metric to compare"));
  auto* compare = new QPushButton(tr("Compare"), this);
  compare->setToolTip(tr("Plot the chosen metric of the selected runs together"));
  auto* open = new QPushButton(tr("Open Pipeline"), this);
  open->setToolTip(tr("Open the pipeline file the selected run ran, as a document"));
  auto* del = new QPushButton(tr("Delete…"), this);
  auto* bar = new QHBoxLayout;
  bar->addWidget(filter_, 1);
  bar->addWidget(refresh);
  bar->addWidget(new QLabel(tr("Metric"), this));
  bar->addWidget(metric_);
  bar->addWidget(compare);
  bar->addWidget(open);
  bar->addWidget(del);
  table_ = new QTableWidget(this);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSortingEnabled(true);
  table_->verticalHeader()->setVisible(false);
  table_->horizontalHeader()->setStretchLastSection(true);
  chart_ = new MetricsChart(this);
  chart_->setLossesFirst(false);  // one metric, several runs: show them all
  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(table_);
  split->addWidget(chart_);
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(2, 2, 2, 2);
  lay->addLayout(bar);
  lay->addWidget(split);
  connect(filter_, &QLineEdit::textChanged, this, &RunsBrowser::setFilter);
  connect(refresh, &QPushButton::clicked, this, &RunsBrowser::reload);
  connect(compare, &QPushButton::clicked, this, &RunsBrowser::compareSelected);
  connect(open, &QPushButton::clicked, this, [this] {
    for (const auto& r : runs_)
      if (selectedRunIds().value(0) == r.id) {
        if (QFile::exists(r.pipelineFile)) Q_EMIT openPipelineRequested(r.pipelineFile);
      }
  });
  connect(del, &QPushButton::clicked, this, [this] { deleteSelected(true); });
  connect(table_, &QTableWidget::cellDoubleClicked, this, [this](int, int) { compareSelected(); });
}

void RunsBrowser::setWorkspace(const QString& dir) {
  workspace_ = dir;
  reload();
}

void RunsBrowser::reload() {
  const QStringList keep = selectedRunIds();
  runs_ = scanRuns(workspace_);
  QStringList metrics;
  for (const auto& r : runs_)
    for (auto it = r.metrics.begin(); it != r.metrics.end(); ++it)
      if (!metrics.contains(it.key())) metrics << it.key();
  metrics.sort();
  const QString chosen = metric_->currentText();
  metric_->clear();
  metric_->addItems(metrics);
  if (metrics.contains(chosen)) metric_->setCurrentText(chosen);
  else if (metrics.contains(QStringLiteral("loss"))) metric_->setCurrentText(QStringLiteral("loss"));

  table_->setSortingEnabled(false);
  table_->clear();
  QStringList headers{tr("Run"), tr("Status"), tr("Started"), tr("Duration"), tr("Id"), tr("Parameters")};
  for (const auto& m : metrics) headers << tr("%1 (last)").arg(m) << tr("%1 (min)").arg(m);
  table_->setColumnCount(headers.size());
  table_->setHorizontalHeaderLabels(headers);
  table_->setRowCount(runs_.size());
  for (int i = 0; i < runs_.size(); ++i) {
    const RunRecord& r = runs_[i];
    auto* name = new QTableWidgetItem(r.name);
    name->setData(Qt::UserRole + 1, r.id);
    table_->setItem(i, ColName, name);
    auto* st = new QTableWidgetItem(r.status);
    st->setForeground(r.status == QLatin1String("failed") ? QColor(0xc5, 0x22, 0x1f)
                      : r.status == QLatin1String("finished") ? QColor(0x1e, 0x7e, 0x34)
                                                               : QColor(0x44, 0x44, 0x44));
    table_->setItem(i, ColStatus, st);
    table_->setItem(i, ColStart, new NumberItem(r.start.toMSecsSinceEpoch(), r.start.toString(QStringLiteral("yyyy-MM-dd hh:mm:ss"))));
    const double secs = r.end.isValid() ? r.start.msecsTo(r.end) / 1000.0 : -1;
    table_->setItem(i, ColDuration, new NumberItem(secs, secs < 0 ? QStringLiteral("—") : QString::number(secs, 'f', 1) + QStringLiteral(" s")));
    table_->setItem(i, ColId, new QTableWidgetItem(r.id.left(8)));
    QStringList ps;
    for (auto it = r.params.begin(); it != r.params.end(); ++it) ps << it.key() + QLatin1Char('=') + it.value();
    auto* pi = new QTableWidgetItem(ps.join(QStringLiteral("  ")));
    pi->setToolTip(ps.join('\n'));
    table_->setItem(i, ColParams, pi);
    for (int m = 0; m < metrics.size(); ++m) {
      const auto it = r.metrics.find(metrics[m]);
      if (it == r.metrics.end() || it->isEmpty()) continue;
      double lo = std::numeric_limits<double>::max();
      for (const auto& p : *it) lo = std::min(lo, p.y());
      table_->setItem(i, ColFixed + 2 * m, new NumberItem(it->back().y(), QString::number(it->back().y(), 'g', 5)));
      table_->setItem(i, ColFixed + 2 * m + 1, new NumberItem(lo, QString::number(lo, 'g', 5)));
    }
  }
  table_->setSortingEnabled(true);
  table_->resizeColumnsToContents();
  table_->setColumnWidth(ColParams, std::min(table_->columnWidth(ColParams), 320));
  setFilter(filter_->text());
  selectRuns(keep);
}

void RunsBrowser::setFilter(const QString& text) {
  if (filter_->text() != text) filter_->setText(text);
  for (int i = 0; i < table_->rowCount(); ++i) {
    bool match = text.isEmpty();
    for (int c = 0; !match && c < table_->columnCount(); ++c)
      if (auto* it = table_->item(i, c)) match = it->text().contains(text, Qt::CaseInsensitive);
    table_->setRowHidden(i, !match);
  }
}

int RunsBrowser::visibleRows() const {
  int n = 0;
  for (int i = 0; i < table_->rowCount(); ++i) n += table_->isRowHidden(i) ? 0 : 1;
  return n;
}

QStringList RunsBrowser::selectedRunIds() const {
  QStringList ids;
  for (int i = 0; i < table_->rowCount(); ++i)
    if (auto* it = table_->item(i, ColName); it && it->isSelected()) ids << it->data(Qt::UserRole + 1).toString();
  return ids;
}

void RunsBrowser::selectRuns(const QStringList& ids) {
  table_->clearSelection();
  for (int i = 0; i < table_->rowCount(); ++i)
    if (auto* it = table_->item(i, ColName); it && ids.contains(it->data(Qt::UserRole + 1).toString()))
      for (int c = 0; c < table_->columnCount(); ++c)
        if (auto* cell = table_->item(i, c)) cell->setSelected(true);
}

void RunsBrowser::compareSelected() {
  const QString metric = metric_->currentText();
  chart_->clear();
  chart_->setTitle(metric);
  for (const auto& r : runs_) {
    if (!selectedRunIds().contains(r.id)) continue;
    const auto it = r.metrics.find(metric);
    if (it == r.metrics.end()) continue;
    const QString label = r.name + QStringLiteral(" ") + r.id.left(6);
    for (const auto& p : *it) chart_->addPoint(label, p.x(), p.y());
  }
}

bool RunsBrowser::deleteSelected(bool confirm) {
  const QStringList ids = selectedRunIds();
  if (ids.isEmpty()) return false;
  if (confirm && QMessageBox::question(this, tr("Delete runs"),
                                       tr("Delete %n run(s) with their metrics, checkpoints and artifacts? "
                                          "This cannot be undone.", nullptr, ids.size())) != QMessageBox::Yes)
    return false;
  const RunStore store(workspace_.toStdString());
  for (const auto& r : runs_) {
    std::string error;
    if (ids.contains(r.id) && !store.deleteRun(r.dir.toStdString(), &error))
      QMessageBox::warning(this, tr("Delete runs"), QString::fromStdString(error));
  }
  reload();
  return true;
}

}  // namespace tf::ui
