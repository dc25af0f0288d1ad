#include "ComponentPalette.h"

#include "PipelineCanvas.h"
#include "registry/Registry.h"

#include <QMimeData>

#include <QHeaderView>
#include <QLineEdit>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <tuple>

namespace tf::ui {

namespace {
// Drags carry the component's class path to the canvas (kComponentMime).
class PaletteTree : public QTreeWidget {
 public:
  using QTreeWidget::QTreeWidget;
  QStringList mimeTypes() const override { return {QString::fromLatin1(kComponentMime)}; }
  QMimeData* mimeData(const QList<QTreeWidgetItem*>& items) const override {
    if (items.isEmpty() || items.front()->data(0, Qt::UserRole).toString().isEmpty()) return nullptr;
    auto* m = new QMimeData;
    m->setData(QString::fromLatin1(kComponentMime), items.front()->data(0, Qt::UserRole).toString().toUtf8());
    return m;
  }
};
}  // namespace

ComponentPalette::ComponentPalette(QWidget* parent) : QWidget(parent) {
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(2, 2, 2, 2);
  search_ = new QLineEdit(this);
  search_->setPlaceholderText(tr("Search components…"));
  search_->setClearButtonEnabled(true);
  tree_ = new PaletteTree(this);
  tree_->setDragEnabled(true);
  tree_->setDragDropMode(QAbstractItemView::DragOnly);
  tree_->setHeaderHidden(true);
  tree_->setColumnCount(1);
  lay->addWidget(search_);
  lay->addWidget(tree_);
  connect(search_, &QLineEdit::textChanged, this, &ComponentPalette::setFilter);
  connect(tree_, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
    const QString cp = item->data(0, Qt::UserRole).toString();
    if (!cp.isEmpty()) Q_EMIT componentActivated(cp);
  });
}

void ComponentPalette::setRegistry(const tf::Registry* reg) {
  reg_ = reg;
  rebuild();
}

void ComponentPalette::rebuild() {
  tree_->clear();
  if (!reg_) return;
  // Groups by plugin (core first), and within one in a pipeline's order: data before
  // preprocessing before training ..., then anything else, itwinai's class paths last.
  auto categoryRank = [](const std::string& c) {
    static const std::vector<std::string> order = {"Data", "Preprocessing", "Models", "Training", "Inference", "Validation", "Output"};
    const auto it = std::find(order.begin(), order.end(), c);
    if (it != order.end()) return static_cast<int>(it - order.begin());
    return c == "itwinai" ? 100 : 50;
  };
  std::vector<const tf::ComponentInfo*> all = reg_->all();
  std::stable_sort(all.begin(), all.end(), [&](const tf::ComponentInfo* a, const tf::ComponentInfo* b) {
    const auto key = [&](const tf::ComponentInfo* c) {
      const std::string cat = c->category.empty() ? std::string("Other") : c->category;
      return std::make_tuple(c->plugin != "core", c->plugin, categoryRank(cat), cat);
    };
    return key(a) < key(b);
  });
  QMap<QString, QTreeWidgetItem*> groups;
  for (const auto* c : all) {
    const QString group = QString::fromStdString(c->plugin) + QStringLiteral(" · ") +
                          QString::fromStdString(c->category.empty() ? std::string("Other") : c->category);
    QTreeWidgetItem*& g = groups[group];
    if (!g) {
      g = new QTreeWidgetItem(tree_, {group});
      g->setFlags(Qt::ItemIsEnabled);
      QFont f = g->font(0);
      f.setBold(true);
      g->setFont(0, f);
    }
    auto* item = new QTreeWidgetItem(g, {QString::fromStdString(c->shortName())});
    if (c->kind != tf::ComponentInfo::Kind::Step) {  // models etc. go inside a step's parameter
      item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
      item->setForeground(0, QColor(0x80, 0x80, 0x80));
    } else {
      item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled);
    }
    item->setData(0, Qt::UserRole, QString::fromStdString(c->classPath));
    item->setToolTip(0, QStringLiteral("<pre>%1</pre>").arg(QString::fromStdString(c->describe()).toHtmlEscaped()));
    item->setStatusTip(0, QString::fromStdString(c->classPath + " — " + c->doc));
  }
  tree_->expandAll();
  setFilter(search_->text());
}

void ComponentPalette::setFilter(const QString& text) {
  if (search_->text() != text) search_->setText(text);
  for (int i = 0; i < tree_->topLevelItemCount(); ++i) {
    QTreeWidgetItem* g = tree_->topLevelItem(i);
    int shown = 0;
    for (int j = 0; j < g->childCount(); ++j) {
      QTreeWidgetItem* c = g->child(j);
      const bool match = text.isEmpty() || c->data(0, Qt::UserRole).toString().contains(text, Qt::CaseInsensitive) ||
                         c->statusTip(0).contains(text, Qt::CaseInsensitive);
      c->setHidden(!match);
      shown += match ? 1 : 0;
    }
    g->setHidden(shown == 0);
  }
}

int ComponentPalette::visibleComponentCount() const {
  int n = 0;
  for (int i = 0; i < tree_->topLevelItemCount(); ++i)
    for (int j = 0; j < tree_->topLevelItem(i)->childCount(); ++j)
      n += tree_->topLevelItem(i)->child(j)->isHidden() ? 0 : 1;
  return n;
}

}  // namespace tf::ui
