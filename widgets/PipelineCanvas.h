// The node-graph canvas: draws a PipelineDocument's graph (nodes with title, typed ports,
// parameter summary and a status badge; links as curves coloured by port type) and turns the
// user's gestures into edit requests. It never changes the document itself: the editor applies
// each request as an undoable edit and calls refresh(), so what is drawn is always the document.
#pragma once

#include "exec/RunProgress.h"
#include "pipeline/Graph.h"

#include <QGraphicsView>
#include <QHash>
#include <QMap>
#include <QPointer>

namespace tf {
class PipelineDocument;
class Registry;
}  // namespace tf

class QGraphicsPathItem;

namespace tf::ui {

class NodeItem;

// Colour of a port type (Dataset, Model, Path, ...), shared by ports, links and the legend.
QColor portTypeColor(const QString& type);

// What drag-and-drop from the palette carries: the component's class path.
inline constexpr const char* kComponentMime = "application/x-twinforge-component";

class PipelineCanvas : public QGraphicsView, private tf::RunProgress::Observer {
  Q_OBJECT
 public:
  explicit PipelineCanvas(const tf::Registry& reg, QWidget* parent = nullptr);
  ~PipelineCanvas() override;

  void setDocument(const tf::PipelineDocument* doc);
  // Redraws from the document; selection and statuses survive by step name.
  void refresh();

  // The run's progress model whose statuses the nodes show as badges (null: none).
  void setProgress(const tf::RunProgress* progress);
  tf::StepStatus status(const QString& step) const;

  QStringList selectedSteps() const;
  void selectSteps(const QStringList& steps);
  void zoomToFit();       // everything in view, however small
  void zoomToReadable();  // fit while the text stays legible; else readable, scrolled to the start
  void zoomBy(double factor);
  double zoom() const;

  // Where things are, in viewport coordinates: what tests click on.
  QPoint nodeCenter(const QString& step) const;
  QPoint portPosition(const QString& step, const QString& port, bool output) const;
  NodeItem* nodeItem(const QString& step) const;
  int linkCount() const;
  // The components offered when a link from `type` is dropped in empty space.
  QStringList componentsAccepting(const QString& type) const;

 Q_SIGNALS:
  void addRequested(const QString& classPath, QPointF scenePos, const QString& fromStep, const QString& fromPort);
  void connectRequested(const tf::Graph::Link& link);
  void disconnectRequested(const tf::Graph::Link& link);
  void moveRequested(const QMap<QString, QPointF>& positions);
  void deleteRequested(const QStringList& steps, const QList<tf::Graph::Link>& links);
  void selectionChangedTo(const QStringList& steps);
  void nodeDoubleClicked(const QString& step);
  void message(const QString& text);  // a refused gesture's reason, for the status bar

 protected:
  void wheelEvent(QWheelEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void mouseDoubleClickEvent(QMouseEvent* e) override;
  void keyPressEvent(QKeyEvent* e) override;
  void dragEnterEvent(QDragEnterEvent* e) override;
  void dragMoveEvent(QDragMoveEvent* e) override;
  void dropEvent(QDropEvent* e) override;
  void drawBackground(QPainter* p, const QRectF& rect) override;
  void resizeEvent(QResizeEvent* e) override;

 private:
  void pipelineChanged() override {}
  void stepChanged(const tf::StepProgress& step) override;
  void showStatus(NodeItem* n, const tf::StepProgress* p) const;
  struct PortHit {
    NodeItem* node = nullptr;
    QString port, type;
    bool output = false;
    explicit operator bool() const { return node != nullptr; }
  };
  PortHit portAt(const QPoint& viewPos) const;
  void finishLinkDrag(const QPoint& viewPos);
  void offerComponents(const PortHit& from, const QPoint& viewPos);
  void highlightCompatible(const PortHit& from);

  const tf::Registry& reg_;
  const tf::PipelineDocument* doc_ = nullptr;
  QHash<QString, NodeItem*> nodes_;
  QList<QGraphicsPathItem*> links_;
  const tf::RunProgress* progress_ = nullptr;
  // Link being dragged out of a port.
  PortHit dragFrom_;
  tf::Graph::Link detached_;  // an existing link picked up at its input end
  bool detaching_ = false;
  QGraphicsPathItem* rubberLink_ = nullptr;
  // Node drag: positions before, to report only real moves.
  QMap<QString, QPointF> pressPositions_;
  bool panning_ = false;
  bool fitPending_ = true;  // zoom to fit once the view has its real size
  QPoint panLast_;
};

}  // namespace tf::ui
