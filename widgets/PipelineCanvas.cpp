#include "PipelineCanvas.h"

#include "config/Node.h"
#include "pipeline/Document.h"
#include "registry/Registry.h"
#include "registry/Schema.h"

#include <QApplication>
#include <QGraphicsItem>
#include <QGraphicsPathItem>
#include <QGraphicsScene>
#include <QKeyEvent>
#include <QMenu>
#include <QMimeData>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QStyleOptionGraphicsItem>
#include <QWheelEvent>

#include <cmath>
#include <functional>

namespace tf::ui {

QColor portTypeColor(const QString& type) {
  static const QHash<QString, QColor> known = {
      {QStringLiteral("Dataset"), QColor(0x1f, 0x77, 0xb4)}, {QStringLiteral("Model"), QColor(0x94, 0x4e, 0xc2)},
      {QStringLiteral("Path"), QColor(0x2c, 0xa0, 0x2c)},    {QStringLiteral("Metrics"), QColor(0xe0, 0x7b, 0x0e)},
      {QStringLiteral("Checkpoint"), QColor(0x8c, 0x56, 0x4b)}, {QStringLiteral("TensorMap"), QColor(0x17, 0xa2, 0xb8)},
      {QStringLiteral("Any"), QColor(0x70, 0x70, 0x70)}};
  if (auto it = known.find(type); it != known.end()) return *it;
  return QColor::fromHsv(static_cast<int>(qHash(type) % 360), 160, 190);
}

namespace {

constexpr double kWidth = 230, kHeader = 40, kPortRow = 20, kSummaryRow = 15, kPortRadius = 6;
constexpr int kSummaryLines = 3;

QColor statusColor(StepStatus s) {
  switch (s) {
    case StepStatus::Queued: return QColor(0x9e, 0xc5, 0xe8);
    case StepStatus::Running: return QColor(0x1f, 0x77, 0xb4);
    case StepStatus::Done: return QColor(0x2e, 0x9e, 0x4f);
    case StepStatus::Failed: return QColor(0xd6, 0x27, 0x28);
    case StepStatus::Cancelled: return QColor(0xb0, 0x80, 0x20);
    case StepStatus::Invalid: return QColor(0xe0, 0x6c, 0x00);
    case StepStatus::Unknown: return QColor(0x90, 0x90, 0x90);
    case StepStatus::Idle: break;
  }
  return QColor(0xc8, 0xc8, 0xc8);
}

QString summaryValue(const cfg::Node& n) {
  if (n.isScalar()) return QString::fromStdString(n.text());
  QString s = QString::fromStdString(cfg::toYaml(n)).trimmed().replace('\n', QStringLiteral(" "));
  return s.size() > 28 ? s.left(27) + QChar(0x2026) : s;
}

}  // namespace

// Below this zoom a node's 8 pt class path is drawn under 9 px: opening never goes lower.
constexpr double kReadableZoom = 0.85;

// One step on the canvas. Ports are drawn by the node (not child items), which keeps a
// 200-step pipeline light; hit-testing a port is a distance check.
class NodeItem : public QGraphicsItem {
 public:
  struct Port {
    QString name, type;
    bool optional = false;
  };
  QString name, classPath, doc;
  QList<Port> inputs, outputs;
  QStringList summary;
  bool placeholder = false, invalid = false;
  QString problem;  // first diagnostic for this step
  StepStatus status = StepStatus::Idle;
  QString statusInfo;
  QString baseTip;  // the tooltip without the run's failure
  double progress = -1;
  QString highlightType;  // while a link is dragged: ports that would accept it are emphasised
  bool highlightOutputs = false;

  NodeItem() {
    setFlags(ItemIsSelectable | ItemIsMovable | ItemSendsGeometryChanges);
    setCacheMode(DeviceCoordinateCache);
    setAcceptHoverEvents(false);
  }
  double height() const {
    const int rows = std::max<int>(inputs.size(), outputs.size());
    return kHeader + rows * kPortRow + std::min<int>(summary.size(), kSummaryLines) * kSummaryRow + 10;
  }
  QRectF boundingRect() const override { return QRectF(-kPortRadius - 2, -2, kWidth + 2 * kPortRadius + 4, height() + 4); }
  QPointF portPos(int i, bool output) const {
    return QPointF(output ? kWidth : 0, kHeader + i * kPortRow + kPortRow / 2);
  }
  int portIndex(const QString& port, bool output) const {
    const auto& list = output ? outputs : inputs;
    for (int i = 0; i < list.size(); ++i)
      if (list[i].name == port) return i;
    return -1;
  }

  void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override {
    p->setRenderHint(QPainter::Antialiasing);
    const QRectF body(0, 0, kWidth, height());
    const bool sel = isSelected();
    QColor border = sel ? QColor(0x20, 0x60, 0xd0) : QColor(0x80, 0x80, 0x80);
    if (invalid) border = QColor(0xe0, 0x6c, 0x00);
    if (status == StepStatus::Failed) border = QColor(0xd6, 0x27, 0x28);
    QPen pen(border, sel ? 2.5 : 1.2);
    if (placeholder) pen.setStyle(Qt::DashLine);
    p->setPen(pen);
    p->setBrush(placeholder ? QColor(0xf4, 0xf4, 0xf4) : QColor(0xff, 0xff, 0xff));
    p->drawRoundedRect(body, 6, 6);
    // Header band.
    QPainterPath head;
    head.addRoundedRect(QRectF(0, 0, kWidth, kHeader), 6, 6);
    head.addRect(QRectF(0, kHeader / 2, kWidth, kHeader / 2));
    p->fillPath(head, placeholder ? QColor(0xdd, 0xdd, 0xdd) : QColor(0xe8, 0xef, 0xf8));
    p->setPen(QColor(0x20, 0x20, 0x20));
    QFont f = p->font();
    f.setPointSizeF(9.5);
    f.setBold(true);
    p->setFont(f);
    const QFontMetricsF fm(f);
    p->drawText(QRectF(8, 3, kWidth - 36, 18), Qt::AlignLeft | Qt::AlignVCenter,
                fm.elidedText(name, Qt::ElideRight, kWidth - 36));
    f.setBold(false);
    f.setPointSizeF(8);
    p->setFont(f);
    p->setPen(QColor(0x55, 0x55, 0x55));
    // The class path, and the run status to its right when there is one: each gets its own room.
    const bool showStatus = !statusInfo.isEmpty() && status != StepStatus::Idle;
    const double statusWidth = showStatus ? std::min(110.0, QFontMetricsF(f).horizontalAdvance(statusInfo) + 4) : 0;
    const double classWidth = kWidth - 36 - (showStatus ? statusWidth + 6 : 0);
    p->drawText(QRectF(8, 20, classWidth, 16), Qt::AlignLeft | Qt::AlignVCenter,
                QFontMetricsF(f).elidedText(placeholder ? classPath + QStringLiteral(" (missing)") : classPath,
                                            Qt::ElideRight, classWidth));
    if (showStatus) {
      p->setPen(statusColor(status).darker(130));
      p->drawText(QRectF(kWidth - 28 - statusWidth, 20, statusWidth, 16), Qt::AlignRight | Qt::AlignVCenter,
                  QFontMetricsF(f).elidedText(statusInfo, Qt::ElideLeft, statusWidth));
    }
    // Status badge: a disc in the header; running shows its progress as an arc.
    const QRectF badge(kWidth - 24, 10, 16, 16);
    p->setPen(Qt::NoPen);
    p->setBrush(statusColor(status));
    p->drawEllipse(badge);
    if (status == StepStatus::Running && progress >= 0) {
      p->setPen(QPen(QColor(0x0b, 0x3d, 0x6b), 3));
      p->setBrush(Qt::NoBrush);
      p->drawArc(badge.adjusted(-3, -3, 3, 3), 90 * 16, -static_cast<int>(progress * 360 * 16));
    }
    if (status == StepStatus::Failed || invalid) {
      p->setPen(QPen(Qt::white, 2));
      p->drawLine(QPointF(badge.center().x(), badge.top() + 3), QPointF(badge.center().x(), badge.bottom() - 6));
      p->drawPoint(QPointF(badge.center().x(), badge.bottom() - 3));
    }
    // Ports.
    auto drawPorts = [&](const QList<Port>& list, bool output) {
      for (int i = 0; i < list.size(); ++i) {
        const QPointF c = portPos(i, output);
        const QColor col = portTypeColor(list[i].type);
        const bool emphasise = !highlightType.isEmpty() && output == highlightOutputs &&
                               tf::portTypesCompatible(output ? list[i].type.toStdString() : highlightType.toStdString(),
                                                       output ? highlightType.toStdString() : list[i].type.toStdString());
        p->setPen(QPen(col.darker(130), emphasise ? 3 : 1));
        p->setBrush(list[i].optional ? QBrush(Qt::white) : QBrush(col));
        const double r = emphasise ? kPortRadius + 2 : kPortRadius;
        p->drawEllipse(c, r, r);
        p->setPen(QColor(0x30, 0x30, 0x30));
        p->setFont(f);
        const QRectF text = output ? QRectF(kWidth / 2, c.y() - 8, kWidth / 2 - 12, 16)
                                   : QRectF(12, c.y() - 8, kWidth / 2 - 12, 16);
        p->drawText(text, (output ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter, list[i].name);
      }
    };
    drawPorts(inputs, false);
    drawPorts(outputs, true);
    // Parameter summary.
    const double top = kHeader + std::max<int>(inputs.size(), outputs.size()) * kPortRow + 2;
    p->setPen(QColor(0x60, 0x60, 0x60));
    for (int i = 0; i < std::min<int>(summary.size(), kSummaryLines); ++i)
      p->drawText(QRectF(10, top + i * kSummaryRow, kWidth - 20, kSummaryRow), Qt::AlignLeft | Qt::AlignVCenter,
                  QFontMetricsF(f).elidedText(summary[i], Qt::ElideRight, kWidth - 20));
  }

  std::function<void(NodeItem*)> moved;  // the canvas re-routes this node's links
  QVariant itemChange(GraphicsItemChange change, const QVariant& value) override {
    if (change == ItemPositionHasChanged && moved) moved(this);
    return QGraphicsItem::itemChange(change, value);
  }
};

namespace {
// Links follow the nodes they join: they are re-routed whenever the scene changes.
class LinkItem : public QGraphicsPathItem {
 public:
  tf::Graph::Link link;
  NodeItem *from = nullptr, *to = nullptr;
  QColor color;
  LinkItem() {
    setFlags(ItemIsSelectable);
    setZValue(-1);
  }
  void route() {
    if (!from || !to) return;
    const QPointF a = from->mapToScene(from->portPos(std::max(0, from->portIndex(QString::fromStdString(link.fromPort), true)), true));
    const QPointF b = to->mapToScene(to->portPos(std::max(0, to->portIndex(QString::fromStdString(link.toPort), false)), false));
    QPainterPath path(a);
    const double dx = std::max(60.0, std::abs(b.x() - a.x()) / 2);
    path.cubicTo(a + QPointF(dx, 0), b - QPointF(dx, 0), b);
    setPath(path);
    setPen(QPen(isSelected() ? QColor(0x20, 0x60, 0xd0) : color, isSelected() ? 3.5 : 2.2));
  }
  QPainterPath shape() const override {
    QPainterPathStroker s;
    s.setWidth(10);
    return s.createStroke(path());
  }
};

QPainterPath curve(QPointF a, QPointF b) {
  QPainterPath path(a);
  const double dx = std::max(60.0, std::abs(b.x() - a.x()) / 2);
  path.cubicTo(a + QPointF(dx, 0), b - QPointF(dx, 0), b);
  return path;
}
}  // namespace

PipelineCanvas::PipelineCanvas(const tf::Registry& reg, QWidget* parent) : QGraphicsView(parent), reg_(reg) {
  setObjectName(QStringLiteral("pipelineCanvas"));
  auto* sc = new QGraphicsScene(this);
  sc->setSceneRect(-2000, -2000, 8000, 6000);
  setScene(sc);
  setRenderHint(QPainter::Antialiasing);
  setDragMode(QGraphicsView::RubberBandDrag);
  setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
  setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
  setAcceptDrops(true);
  setFocusPolicy(Qt::StrongFocus);
  setToolTip({});
  connect(sc, &QGraphicsScene::selectionChanged, this, [this] {
    for (auto* l : links_) static_cast<LinkItem*>(l)->route();
    Q_EMIT selectionChangedTo(selectedSteps());
  });
}

PipelineCanvas::~PipelineCanvas() {
  if (progress_) const_cast<tf::RunProgress*>(progress_)->removeObserver(this);
  // The scene outlives this object's members while Qt deletes children: stop listening first.
  scene()->disconnect(this);
  for (NodeItem* n : nodes_) n->moved = nullptr;
  nodes_.clear();
  links_.clear();
}

void PipelineCanvas::setDocument(const tf::PipelineDocument* doc) {
  doc_ = doc;
  refresh();
}

void PipelineCanvas::refresh() {
  const QStringList selected = selectedSteps();
  const QSignalBlocker block(scene());
  rubberLink_ = nullptr;
  scene()->clear();
  nodes_.clear();
  links_.clear();
  if (!doc_) return;
  const auto positions = doc_->positions();
  const auto& diags = doc_->loaded().diagnostics;
  for (const auto& n : doc_->graph().nodes()) {
    auto* item = new NodeItem;
    item->name = QString::fromStdString(n.name);
    item->classPath = QString::fromStdString(n.classPath);
    item->placeholder = !n.info;
    if (n.info) {
      item->doc = QString::fromStdString(n.info->doc);
      for (const auto& p : n.info->inputs)
        item->inputs.append({QString::fromStdString(p.name), QString::fromStdString(p.type), p.optional});
      for (const auto& p : n.info->outputs)
        item->outputs.append({QString::fromStdString(p.name), QString::fromStdString(p.type), false});
    }
    // Summary: the parameters the file sets, as written (so ${epochs} shows as such).
    for (const auto& [k, v] : doc_->settings(n.name))
      item->summary << QString::fromStdString(k) + QStringLiteral(": ") + summaryValue(*v);
    for (const auto& d : diags.all())
      if (d.severity == tf::Diagnostic::Severity::Error &&
          (d.key == n.name || d.key.rfind(n.name + ".", 0) == 0)) {
        item->invalid = true;
        if (item->problem.isEmpty()) item->problem = QString::fromStdString(d.message);
      }
    QString tip = QStringLiteral("<b>%1</b> — %2").arg(item->name.toHtmlEscaped(), item->classPath.toHtmlEscaped());
    if (!item->doc.isEmpty()) tip += QStringLiteral("<br>") + item->doc.toHtmlEscaped();
    if (item->placeholder) tip += QStringLiteral("<br><i>No loaded plugin provides this component; it is kept as written.</i>");
    if (!item->problem.isEmpty()) tip += QStringLiteral("<br><font color='#c5221f'>%1</font>").arg(item->problem.toHtmlEscaped());
    item->baseTip = tip;
    showStatus(item, progress_ ? progress_->step(n.name) : nullptr);
    const auto pos = positions.at(n.name);
    item->setPos(pos.x, pos.y);
    item->moved = [this](NodeItem* n) {
      for (auto* l : links_) {
        auto* li = static_cast<LinkItem*>(l);
        if (li->from == n || li->to == n) li->route();
      }
    };
    scene()->addItem(item);
    nodes_.insert(item->name, item);
    if (selected.contains(item->name)) item->setSelected(true);
  }
  for (const auto& l : doc_->graph().links()) {
    auto* link = new LinkItem;
    link->link = l;
    link->from = nodes_.value(QString::fromStdString(l.fromNode));
    link->to = nodes_.value(QString::fromStdString(l.toNode));
    if (!link->from || !link->to) {
      delete link;
      continue;
    }
    const int oi = link->from->portIndex(QString::fromStdString(l.fromPort), true);
    link->color = portTypeColor(oi >= 0 ? link->from->outputs[oi].type : QStringLiteral("Any"));
    link->setToolTip(QString::fromStdString(l.fromNode + "." + l.fromPort + " → " + l.toNode + "." + l.toPort));
    link->route();
    scene()->addItem(link);
    links_.append(link);
  }
  // Room around the steps to drop new ones and to scroll, however large the pipeline is.
  scene()->setSceneRect(scene()->itemsBoundingRect().adjusted(-1500, -1500, 1500, 1500).united(QRectF(-1000, -1000, 3000, 2000)));
  viewport()->update();
}

void PipelineCanvas::setProgress(const tf::RunProgress* progress) {
  if (progress_) const_cast<tf::RunProgress*>(progress_)->removeObserver(this);
  progress_ = progress;
  if (progress_) const_cast<tf::RunProgress*>(progress_)->addObserver(this);
  for (NodeItem* n : nodes_) showStatus(n, progress_ ? progress_->step(n->name.toStdString()) : nullptr);
}

void PipelineCanvas::stepChanged(const tf::StepProgress& step) {
  if (NodeItem* n = nodes_.value(QString::fromStdString(step.step))) showStatus(n, &step);
}

// Run statuses only: unknown and invalid steps have their own drawing from the document.
void PipelineCanvas::showStatus(NodeItem* n, const tf::StepProgress* p) const {
  const bool run = p && p->status != StepStatus::Unknown && p->status != StepStatus::Invalid;
  n->status = run ? p->status : StepStatus::Idle;
  n->statusInfo = run ? QString::fromStdString(p->info) : QString();
  n->progress = run && p->status == StepStatus::Running ? p->fraction : -1;
  QString tip = n->baseTip;
  if (run && p->status == StepStatus::Failed && !p->detail.empty())
    tip += QStringLiteral("<br><font color='#c5221f'>%1</font>").arg(QString::fromStdString(p->detail).toHtmlEscaped());
  n->setToolTip(tip);
  n->update();
}

StepStatus PipelineCanvas::status(const QString& step) const {
  if (NodeItem* n = nodes_.value(step)) return n->status;
  return StepStatus::Idle;
}

QStringList PipelineCanvas::selectedSteps() const {
  QStringList out;
  for (auto* it : scene()->selectedItems())
    if (auto* n = dynamic_cast<NodeItem*>(it)) out << n->name;
  out.sort();
  return out;
}

void PipelineCanvas::selectSteps(const QStringList& steps) {
  scene()->clearSelection();
  for (const auto& s : steps)
    if (NodeItem* n = nodes_.value(s)) n->setSelected(true);
}

void PipelineCanvas::resizeEvent(QResizeEvent* e) {
  QGraphicsView::resizeEvent(e);
  if (fitPending_ && isVisible()) zoomToReadable();
}

void PipelineCanvas::zoomToFit() {
  fitPending_ = !isVisible();
  QRectF r = scene()->itemsBoundingRect();
  if (r.isEmpty()) r = QRectF(0, 0, 800, 500);
  fitInView(r.adjusted(-40, -40, 40, 40), Qt::KeepAspectRatio);
  if (zoom() > 1.25) zoomBy(1.25 / zoom());  // a small pipeline is not blown up
}

void PipelineCanvas::zoomToReadable() {
  zoomToFit();
  if (fitPending_ || zoom() >= kReadableZoom) return;
  // Too many steps to fit legibly: readable text, the start of the pipeline in view, scroll for the rest.
  zoomBy(kReadableZoom / zoom());
  const QRectF items = scene()->itemsBoundingRect().adjusted(-40, -40, 40, 40);
  const QSizeF view = mapToScene(viewport()->rect()).boundingRect().size();
  centerOn(items.left() + view.width() / 2, items.top() + view.height() / 2);
}

void PipelineCanvas::zoomBy(double factor) {
  const double next = zoom() * factor;
  if (next < 0.05 || next > 5) return;
  scale(factor, factor);
}

double PipelineCanvas::zoom() const { return transform().m11(); }

NodeItem* PipelineCanvas::nodeItem(const QString& step) const { return nodes_.value(step); }

int PipelineCanvas::linkCount() const { return links_.size(); }

QPoint PipelineCanvas::nodeCenter(const QString& step) const {
  NodeItem* n = nodes_.value(step);
  return n ? mapFromScene(n->mapToScene(QPointF(kWidth / 2, kHeader / 2))) : QPoint();
}

QPoint PipelineCanvas::portPosition(const QString& step, const QString& port, bool output) const {
  NodeItem* n = nodes_.value(step);
  if (!n) return {};
  const int i = n->portIndex(port, output);
  return i < 0 ? QPoint() : mapFromScene(n->mapToScene(n->portPos(i, output)));
}

QStringList PipelineCanvas::componentsAccepting(const QString& type) const {
  QStringList out;
  for (const auto* c : reg_.all()) {
    if (c->kind != tf::ComponentInfo::Kind::Step) continue;
    for (const auto& in : c->inputs)
      if (tf::portTypesCompatible(type.toStdString(), in.type)) {
        out << QString::fromStdString(c->classPath);
        break;
      }
  }
  return out;
}

PipelineCanvas::PortHit PipelineCanvas::portAt(const QPoint& viewPos) const {
  const QPointF sp = mapToScene(viewPos);
  const double reach = std::max(kPortRadius + 3.0, 9.0 / std::max(zoom(), 0.1));
  for (NodeItem* n : nodes_) {
    const QPointF local = n->mapFromScene(sp);
    if (local.x() < -reach || local.x() > kWidth + reach) continue;
    for (int out = 0; out < 2; ++out) {
      const auto& list = out ? n->outputs : n->inputs;
      for (int i = 0; i < list.size(); ++i)
        if (QLineF(local, n->portPos(i, out)).length() <= reach) return {n, list[i].name, list[i].type, out == 1};
    }
  }
  return {};
}

void PipelineCanvas::highlightCompatible(const PortHit& from) {
  for (NodeItem* n : nodes_) {
    n->highlightType = from ? from.type : QString();
    n->highlightOutputs = from && !from.output;
    n->update();
  }
}

void PipelineCanvas::mousePressEvent(QMouseEvent* e) {
  if (e->button() == Qt::MiddleButton || (e->button() == Qt::LeftButton && e->modifiers() & Qt::AltModifier)) {
    panning_ = true;
    panLast_ = e->pos();
    setCursor(Qt::ClosedHandCursor);
    e->accept();
    return;
  }
  if (e->button() == Qt::LeftButton && doc_) {
    if (PortHit hit = portAt(e->pos())) {
      detaching_ = false;
      if (!hit.output) {
        // Picking up a connected input detaches its link: drop it elsewhere to re-route it,
        // in empty space to remove it.
        for (const auto& l : doc_->graph().links())
          if (QString::fromStdString(l.toNode) == hit.node->name && QString::fromStdString(l.toPort) == hit.port) {
            detached_ = l;
            detaching_ = true;
            NodeItem* src = nodes_.value(QString::fromStdString(l.fromNode));
            if (src) {
              const int i = src->portIndex(QString::fromStdString(l.fromPort), true);
              hit = {src, QString::fromStdString(l.fromPort), i >= 0 ? src->outputs[i].type : QString(), true};
            }
            break;
          }
      }
      dragFrom_ = hit;
      rubberLink_ = scene()->addPath(QPainterPath(), QPen(portTypeColor(hit.type), 2, Qt::DashLine));
      rubberLink_->setZValue(10);
      highlightCompatible(hit);
      e->accept();
      return;
    }
    pressPositions_.clear();
    for (NodeItem* n : nodes_) pressPositions_[n->name] = n->pos();
  }
  QGraphicsView::mousePressEvent(e);
}

void PipelineCanvas::mouseMoveEvent(QMouseEvent* e) {
  if (panning_) {
    const QPoint d = e->pos() - panLast_;
    panLast_ = e->pos();
    horizontalScrollBar()->setValue(horizontalScrollBar()->value() - d.x());
    verticalScrollBar()->setValue(verticalScrollBar()->value() - d.y());
    return;
  }
  if (rubberLink_ && dragFrom_) {
    const int i = dragFrom_.node->portIndex(dragFrom_.port, dragFrom_.output);
    const QPointF a = dragFrom_.node->mapToScene(dragFrom_.node->portPos(i, dragFrom_.output));
    const QPointF b = mapToScene(e->pos());
    rubberLink_->setPath(dragFrom_.output ? curve(a, b) : curve(b, a));
    return;
  }
  QGraphicsView::mouseMoveEvent(e);
}

void PipelineCanvas::mouseReleaseEvent(QMouseEvent* e) {
  if (panning_) {
    panning_ = false;
    unsetCursor();
    return;
  }
  if (rubberLink_ && dragFrom_) {
    finishLinkDrag(e->pos());
    return;
  }
  QGraphicsView::mouseReleaseEvent(e);
  if (e->button() != Qt::LeftButton || pressPositions_.isEmpty()) return;
  QMap<QString, QPointF> moved;
  for (NodeItem* n : nodes_)
    if (pressPositions_.value(n->name) != n->pos()) moved[n->name] = n->pos();
  pressPositions_.clear();
  if (!moved.isEmpty()) Q_EMIT moveRequested(moved);
}

void PipelineCanvas::finishLinkDrag(const QPoint& viewPos) {
  const PortHit from = dragFrom_;
  dragFrom_ = {};
  delete rubberLink_;
  rubberLink_ = nullptr;
  highlightCompatible({});
  const PortHit to = portAt(viewPos);
  if (to && to.output != from.output && to.node != from.node) {
    const PortHit& out = from.output ? from : to;
    const PortHit& in = from.output ? to : from;
    const tf::Graph::Link l{out.node->name.toStdString(), out.port.toStdString(), in.node->name.toStdString(),
                            in.port.toStdString()};
    if (detaching_ && l == detached_) return;  // put back where it was
    if (doc_) {
      if (auto c = doc_->connectionPossible(l); !c) {
        Q_EMIT message(QString::fromStdString(c.why));
        return;
      }
    }
    Q_EMIT connectRequested(l);
    return;
  }
  if (to) {
    Q_EMIT message(tr("Links join an output (right side) to an input (left side) of another step."));
    return;
  }
  if (detaching_) {
    Q_EMIT disconnectRequested(detached_);
    detaching_ = false;
    return;
  }
  if (from.output) offerComponents(from, viewPos);
}

void PipelineCanvas::offerComponents(const PortHit& from, const QPoint& viewPos) {
  // A link dropped in empty space offers the components that can take it.
  QMenu menu(this);
  menu.setObjectName(QStringLiteral("compatibleComponents"));
  menu.addSection(tr("Connect %1.%2 (%3) to a new step").arg(from.node->name, from.port, from.type));
  for (const QString& cp : componentsAccepting(from.type)) {
    QAction* a = menu.addAction(cp);
    a->setData(cp);
    if (const auto* info = reg_.find(cp.toStdString())) a->setToolTip(QString::fromStdString(info->doc));
  }
  const QPointF scenePos = mapToScene(viewPos);
  QAction* chosen = nullptr;
  if (qEnvironmentVariableIsSet("TWINFORGE_TEST_PICK")) {  // GUI tests choose without a popup loop
    const QString want = qEnvironmentVariable("TWINFORGE_TEST_PICK");
    for (QAction* a : menu.actions())
      if (a->data().toString() == want) chosen = a;
  } else {
    chosen = menu.exec(mapToGlobal(viewPos));
  }
  if (chosen && !chosen->data().toString().isEmpty())
    Q_EMIT addRequested(chosen->data().toString(), scenePos, from.node->name, from.port);
}

void PipelineCanvas::mouseDoubleClickEvent(QMouseEvent* e) {
  for (QGraphicsItem* it : items(e->pos()))
    if (auto* n = dynamic_cast<NodeItem*>(it)) {
      Q_EMIT nodeDoubleClicked(n->name);
      return;
    }
  QGraphicsView::mouseDoubleClickEvent(e);
}

void PipelineCanvas::wheelEvent(QWheelEvent* e) {
  const double steps = e->angleDelta().y() / 120.0;
  if (steps == 0) return;
  zoomBy(std::pow(1.15, steps));
  e->accept();
}

void PipelineCanvas::keyPressEvent(QKeyEvent* e) {
  if (e->key() == Qt::Key_Delete || e->key() == Qt::Key_Backspace) {
    QList<tf::Graph::Link> links;
    for (auto* it : scene()->selectedItems())
      if (auto* l = dynamic_cast<LinkItem*>(it)) links << l->link;
    const QStringList steps = selectedSteps();
    if (!steps.isEmpty() || !links.isEmpty()) Q_EMIT deleteRequested(steps, links);
    e->accept();
    return;
  }
  if (e->key() == Qt::Key_Escape && rubberLink_) {
    delete rubberLink_;
    rubberLink_ = nullptr;
    dragFrom_ = {};
    highlightCompatible({});
    return;
  }
  QGraphicsView::keyPressEvent(e);
}

void PipelineCanvas::dragEnterEvent(QDragEnterEvent* e) {
  if (e->mimeData()->hasFormat(QLatin1String(kComponentMime)))
    e->acceptProposedAction();
  else
    e->ignore();  // files go to the main window
}

void PipelineCanvas::dragMoveEvent(QDragMoveEvent* e) {
  if (e->mimeData()->hasFormat(QLatin1String(kComponentMime)))
    e->acceptProposedAction();
  else
    e->ignore();
}

void PipelineCanvas::dropEvent(QDropEvent* e) {
  if (!e->mimeData()->hasFormat(QLatin1String(kComponentMime))) return e->ignore();
  const QString cp = QString::fromUtf8(e->mimeData()->data(QLatin1String(kComponentMime)));
  e->acceptProposedAction();
  // The drop point is the node's title, so it lands under the cursor.
  Q_EMIT addRequested(cp, mapToScene(e->position().toPoint()) - QPointF(kWidth / 2, kHeader / 2), {}, {});
}

void PipelineCanvas::drawBackground(QPainter* p, const QRectF& rect) {
  p->fillRect(rect, QColor(0xfa, 0xfa, 0xfb));
  if (zoom() < 0.4) return;  // a dense grid at low zoom is noise and costs frames
  const int step = 40;
  QPen pen(QColor(0xea, 0xea, 0xee));
  pen.setCosmetic(true);
  p->setPen(pen);
  QVarLengthArray<QLineF, 256> lines;
  for (double x = std::floor(rect.left() / step) * step; x < rect.right(); x += step)
    lines.append(QLineF(x, rect.top(), x, rect.bottom()));
  for (double y = std::floor(rect.top() / step) * step; y < rect.bottom(); y += step)
    lines.append(QLineF(rect.left(), y, rect.right(), y));
  p->drawLines(lines.data(), lines.size());
  if (doc_ && doc_->graph().nodes().empty()) {
    p->setPen(QColor(0x90, 0x90, 0x90));
    p->drawText(mapToScene(viewport()->rect()).boundingRect(), Qt::AlignCenter,
                tr("Drag components here from the palette, or File → New from Example"));
  }
}

}  // namespace tf::ui
