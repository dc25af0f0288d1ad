#include "ReportView.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPainter>
#include <QScrollArea>
#include <QSvgRenderer>
#include <QTabWidget>
#include <QVBoxLayout>

#include <stdexcept>

namespace tf::viewers {

namespace {

QJsonObject readReport(const QString& path, QString* error) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    *error = path + QStringLiteral(": cannot be opened");
    return {};
  }
  QJsonParseError pe;
  const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
  if (pe.error != QJsonParseError::NoError) {
    *error = path + QStringLiteral(": not valid JSON (%1 at byte %2)").arg(pe.errorString()).arg(pe.offset);
    return {};
  }
  const QJsonObject o = doc.object();
  if (!o.contains(QStringLiteral("score")) || !o.value(QStringLiteral("plots")).isArray()) {
    *error = path + QStringLiteral(": not a validation report (expected 'score' and 'plots', as calo.Validate writes)");
    return {};
  }
  return o;
}

}  // namespace

bool ReportView::recognises(const QString& path) {
  if (!path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive) || QFileInfo(path).size() > (64 << 20)) return false;
  QString err;
  return !readReport(path, &err).isEmpty();
}

ReportView::ReportView(const QString& path, QWidget* parent) : QWidget(parent) {
  QString err;
  const QJsonObject o = readReport(path, &err);
  if (o.isEmpty()) throw std::runtime_error(err.toStdString());
  setWindowTitle(tr("Validation report — %1").arg(QFileInfo(path).dir().path()));
  auto* lay = new QVBoxLayout(this);
  summary_ = new QLabel(this);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  const QJsonObject ref = o.value(QStringLiteral("reference")).toObject();
  const QJsonObject gen = o.value(QStringLiteral("generated")).toObject();
  QString text = tr("<b>Score %1</b> (mean separation power; 0: indistinguishable)").arg(o.value("score").toDouble(), 0, 'f', 3);
  if (o.contains(QStringLiteral("mc_vs_mc")))
    text += tr(" &nbsp;·&nbsp; Monte Carlo against itself: %1")
                .arg(o.value("mc_vs_mc").toObject().value("score").toDouble(), 0, 'f', 3);
  if (o.value(QStringLiteral("classifier")).toObject().contains(QStringLiteral("auc")))
    text += tr(" &nbsp;·&nbsp; classifier AUC %1 (0.5: indistinguishable)")
                .arg(o.value("classifier").toObject().value("auc").toDouble(), 0, 'f', 3);
  text += tr("<br>%1 generated showers (%2) against %3 Monte Carlo showers (%4)")
              .arg(gen.value("events").toInt())
              .arg(QFileInfo(gen.value("file").toString()).fileName())
              .arg(ref.value("events").toInt())
              .arg(QFileInfo(ref.value("file").toString()).fileName());
  for (const auto& b : o.value(QStringLiteral("energy_bins")).toArray()) {
    const QJsonObject bo = b.toObject();
    const QJsonArray r = bo.value(QStringLiteral("energy_range_gev")).toArray();
    text += tr("<br>%1–%2 GeV: ").arg(r.at(0).toDouble()).arg(r.at(1).toDouble()) +
            (bo.contains(QStringLiteral("score")) ? tr("score %1 (%2 / %3 showers)")
                                                        .arg(bo.value("score").toDouble(), 0, 'f', 3)
                                                        .arg(bo.value("events_generated").toInt())
                                                        .arg(bo.value("events_reference").toInt())
                                                  : bo.value(QStringLiteral("skipped")).toString());
  }
  summary_->setText(text);
  lay->addWidget(summary_);

  tabs_ = new QTabWidget(this);
  const QDir dir = QFileInfo(path).dir();
  for (const auto& p : o.value(QStringLiteral("plots")).toArray()) {
    QString svg = p.toString();
    if (!QFileInfo::exists(svg)) svg = dir.filePath(QFileInfo(svg).fileName());  // a moved run folder
    QSvgRenderer renderer(svg);
    auto* label = new QLabel;
    if (!renderer.isValid()) {
      label->setText(tr("%1: missing or not a readable SVG").arg(svg));
    } else {
      const qreal dpr = devicePixelRatioF();
      QImage img(renderer.defaultSize() * dpr, QImage::Format_ARGB32_Premultiplied);
      img.setDevicePixelRatio(dpr);
      img.fill(Qt::white);
      QPainter painter(&img);
      renderer.render(&painter, QRectF(QPointF(0, 0), renderer.defaultSize()));
      painter.end();
      label->setPixmap(QPixmap::fromImage(img));
    }
    auto* scroll = new QScrollArea;
    scroll->setWidget(label);
    scroll->setAlignment(Qt::AlignCenter);
    scroll->setBackgroundRole(QPalette::Base);
    tabs_->addTab(scroll, QFileInfo(svg).completeBaseName());
  }
  lay->addWidget(tabs_, 1);
}

QString ReportView::summary() const { return summary_->text(); }
int ReportView::plotCount() const { return tabs_->count(); }

}  // namespace tf::viewers
