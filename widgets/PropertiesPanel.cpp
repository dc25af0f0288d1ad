#include "PropertiesPanel.h"

#include "config/Diagnostics.h"
#include "config/Node.h"
#include "pipeline/Pipeline.h"
#include "registry/Registry.h"

#include <QHeaderView>

namespace tf::ui {

namespace {
QString renderValue(const cfg::Node& n) {
  if (n.isScalar()) return QString::fromStdString(n.text());
  QString s = QString::fromStdString(cfg::toYaml(n)).trimmed();
  return s.replace('\n', QStringLiteral("  "));
}
}  // namespace

PropertiesPanel::PropertiesPanel(QWidget* parent) : QTreeWidget(parent) {
  setColumnCount(3);
  setHeaderLabels({tr("Parameter"), tr("Value"), tr("Unit")});
  setRootIsDecorated(false);
  setWordWrap(true);
  header()->setStretchLastSection(false);
  header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  header()->setSectionResizeMode(1, QHeaderView::Stretch);
  header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
}

void PropertiesPanel::showStep(const tf::Step* step, const tf::Diagnostics* diags) {
  clear();
  if (!step) return;
  const ComponentInfo* info = step->info;
  if (!info) {
    auto* it = new QTreeWidgetItem(this, {tr("component"), QString::fromStdString(step->classPath), {}});
    it->setForeground(1, QColor(0xc5, 0x22, 0x1f));
    QString near;
    for (const auto& n : step->suggestions) near += (near.isEmpty() ? "" : ", ") + QString::fromStdString(n);
    new QTreeWidgetItem(this, {tr("status"), tr("unknown: no loaded plugin provides it"), {}});
    if (!near.isEmpty()) new QTreeWidgetItem(this, {tr("closest known"), near, {}});
    for (const auto& [k, v] : step->params.entries())
      new QTreeWidgetItem(this, {QString::fromStdString(k), renderValue(v), {}});
    return;
  }
  auto* head = new QTreeWidgetItem(this, {tr("component"), QString::fromStdString(info->classPath), {}});
  head->setToolTip(1, QString::fromStdString(info->doc));
  for (const auto& p : info->params) {
    const cfg::Node* v = step->params.find(p.name);
    QString value = v ? renderValue(*v) : QString::fromStdString(p.defaultValue);
    auto* it = new QTreeWidgetItem(this, {QString::fromStdString(p.name), value, QString::fromStdString(p.unit)});
    it->setToolTip(1, value);
    if (!v) {
      it->setForeground(1, QColor(0x80, 0x80, 0x80));
      it->setToolTip(1, tr("%1 (default)").arg(value));
    }
    it->setToolTip(0, QString::fromStdString(p.doc + " — expects " + p.expectation()));
    if (diags)
      for (const auto& d : diags->all()) {
        if (d.key != step->name + "." + p.name && d.key.rfind(step->name + "." + p.name + ".", 0) != 0) continue;
        it->setForeground(1, QColor(0xc5, 0x22, 0x1f));
        it->setToolTip(1, QString::fromStdString(d.str()));
        QFont f = it->font(1);
        f.setBold(true);
        it->setFont(1, f);
      }
  }
}

QString PropertiesPanel::valueOf(const QString& param) const {
  for (int i = 0; i < topLevelItemCount(); ++i)
    if (topLevelItem(i)->text(0) == param) return topLevelItem(i)->text(1);
  return {};
}

}  // namespace tf::ui
