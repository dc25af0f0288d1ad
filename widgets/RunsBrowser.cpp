#include "RunsBrowser.h"

#include "MetricsChart.h"

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

QString readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

QString statusName(int s) {
  switch (s) {
    case 1: return QStringLiteral("running");
    case 3: return QStringLiteral("finished");
    case 4: return QStringLiteral("failed");
    case 5: return QStringLiteral("killed");
  }
  return QStringLiteral("unknown");
}

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
  QDir root(QDir(workspace).filePath(QStringLiteral("mlruns")));
  for (const QString& exp : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
    QDir ed(root.filePath(exp));
    for (const QString& id : ed.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
      const QString dir = ed.filePath(id);
      const QString meta = readAll(dir + QStringLiteral("/meta.yaml"));
      if (meta.isEmpty()) continue;
      RunRecord r;
      r.id = id;
      r.dir = dir;
      int status = 0;
      for (const QString& line : meta.split('\n')) {
        const int colon = line.indexOf(':');
        if (colon < 0) continue;
        const QString k = line.left(colon).trimmed(), v = line.mid(colon + 1).trimmed();
        if (k == QLatin1String("run_name")) r.name = v;
        if (k == QLatin1String("status")) status = v.toInt();
        if (k == QLatin1String("start_time")) r.start = QDateTime::fromMSecsSinceEpoch(v.toLongLong());
        if (k == QLatin1String("end_time") && v.toLongLong() > 0) r.end = QDateTime::fromMSecsSinceEpoch(v.toLongLong());
      }
      r.status = statusName(status);
      QDir pd(dir + QStringLiteral("/params"));
      for (const QString& p : pd.entryList(QDir::Files)) r.params[p] = readAll(pd.filePath(p)).trimmed();
      QDir md(dir + QStringLiteral("/metrics"));
      for (const QString& m : md.entryList(QDir::Files)) {
        auto& pts = r.metrics[m];
        const QString text = readAll(md.filePath(m));
        for (const QString& line : text.split('\n', Qt::SkipEmptyParts)) {
          const QStringList f = line.split(' ', Qt::SkipEmptyParts);  // timestamp_ms value step
          if (f.size() >= 3) pts.append(QPointF(f[2].toDouble(), f[1].toDouble()));
        }
      }
      out.append(r);
    }
  }
  std::sort(out.begin(), out.end(), [](const RunRecord& a, const RunRecord& b) { return a.start > b.start; });
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
        const QString f = r.dir + QStringLiteral("/artifacts/pipeline.yaml");
        if (QFile::exists(f)) Q_EMIT openPipelineRequested(f);
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
  for (const auto& r : runs_)
    if (ids.contains(r.id)) QDir(r.dir).removeRecursively();
  reload();
  return true;
}

}  // namespace tf::ui
