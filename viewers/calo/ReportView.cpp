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
#include <QHeaderView>
#include <QRegularExpression>
#include <QSvgRenderer>
#include <QTableWidget>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <map>
#include <vector>
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

// The challenge's own numbers: the whole-shower histograms (E_tot / E_inc, per incident energy
// for dataset 1, voxel energies) in one list, and the per-layer ones as a layer-by-feature grid,
// each cell shaded by its value so that the layers a model gets wrong stand out.
QTableWidgetItem* powerItem(const QJsonValue& v, double largest, const QString& name) {
  auto* item = new QTableWidgetItem(v.isDouble() ? QString::number(v.toDouble(), 'f', 4) : QStringLiteral("—"));
  item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  item->setToolTip(v.isDouble() ? name : name + QObject::tr(": no shower in the histogram's range"));
  if (v.isDouble() && largest > 0) {
    const double f = std::clamp(v.toDouble() / largest, 0.0, 1.0);
    item->setBackground(QColor::fromRgbF(1.0, 1.0 - 0.45 * f, 1.0 - 0.75 * f));
  }
  return item;
}

QTableWidget* compactTable(int rows, const QStringList& headers) {
  auto* t = new QTableWidget(rows, static_cast<int>(headers.size()));
  t->setHorizontalHeaderLabels(headers);
  t->setEditTriggers(QAbstractItemView::NoEditTriggers);
  t->verticalHeader()->setVisible(false);
  t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 6);
  t->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  return t;
}

QWidget* calochallengeTab(const QJsonObject& powers) {
  static const QStringList kinds{"E", "EC Eta", "EC Phi", "Width Eta", "Width Phi", "Sparsity"};
  static const QRegularExpression perLayer(QStringLiteral("^(E|EC Eta|EC Phi|Width Eta|Width Phi|Sparsity) layer (\\d+)$"));
  std::map<int, std::map<QString, QJsonValue>> layers;
  std::vector<std::pair<double, QString>> whole;  // in evaluate.py's order: ratio, per energy, voxels
  double largest = 0;
  for (auto it = powers.begin(); it != powers.end(); ++it) {
    largest = std::max(largest, it.value().toDouble());
    const auto m = perLayer.match(it.key());
    if (m.hasMatch()) {
      layers[m.captured(2).toInt()][m.captured(1)] = it.value();
      continue;
    }
    static const QRegularExpression energy(QStringLiteral("at E = ([0-9.]+)$"));
    const auto e = energy.match(it.key());
    whole.emplace_back(it.key() == QLatin1String("Etot / Einc") ? -1 : e.hasMatch() ? e.captured(1).toDouble() : 1e300,
                       it.key());
  }
  std::sort(whole.begin(), whole.end());
  auto* box = new QWidget;
  box->setObjectName(QStringLiteral("calochallenge"));
  auto* lay = new QVBoxLayout(box);
  auto* wholeTable = compactTable(static_cast<int>(whole.size()), {QObject::tr("whole shower"), QObject::tr("separation power")});
  for (int r = 0; r < static_cast<int>(whole.size()); ++r) {
    wholeTable->setItem(r, 0, new QTableWidgetItem(whole[r].second));
    wholeTable->setItem(r, 1, powerItem(powers.value(whole[r].second), largest, whole[r].second));
  }
  wholeTable->setMaximumHeight(wholeTable->verticalHeader()->defaultSectionSize() * (std::min<int>(static_cast<int>(whole.size()), 8) + 1) + 4);
  QStringList headers{QObject::tr("layer")};
  for (const QString& k : kinds) headers << k;
  auto* grid = compactTable(static_cast<int>(layers.size()), headers);
  int r = 0;
  for (const auto& [layer, values] : layers) {
    auto* id = new QTableWidgetItem(QString::number(layer));
    id->setTextAlignment(Qt::AlignCenter);
    grid->setItem(r, 0, id);
    for (int c = 0; c < kinds.size(); ++c) {
      const auto v = values.find(kinds[c]);
      if (v != values.end()) grid->setItem(r, c + 1, powerItem(v->second, largest, kinds[c] + " layer " + QString::number(layer)));
    }
    ++r;
  }
  auto* note = new QLabel(QObject::tr("Separation power of each histogram of the CaloChallenge evaluation (evaluate.py, hist-chi; "
                                      "Sparsity: its helper's definition), 0: identical; — : no shower in range; empty: not defined for a layer without angular bins. "
                                      "Shading: relative to the largest value, %1.").arg(largest, 0, 'f', 4));
  note->setWordWrap(true);
  lay->addWidget(note);
  lay->addWidget(wholeTable);
  lay->addWidget(grid, 1);
  return box;
}

// Score, Monte Carlo floor, classifier, inputs, energy bins and the CaloChallenge line.
QString summaryText(const QJsonObject& o) {
  const QJsonObject ref = o.value(QStringLiteral("reference")).toObject();
  const QJsonObject gen = o.value(QStringLiteral("generated")).toObject();
  QString text = QObject::tr("<b>Score %1</b> (mean separation power; 0: indistinguishable)").arg(o.value("score").toDouble(), 0, 'f', 3);
  if (o.contains(QStringLiteral("mc_vs_mc")))
    text += QObject::tr(" &nbsp;·&nbsp; Monte Carlo against itself: %1")
                .arg(o.value("mc_vs_mc").toObject().value("score").toDouble(), 0, 'f', 3);
  if (o.value(QStringLiteral("classifier")).toObject().contains(QStringLiteral("auc")))
    text += QObject::tr(" &nbsp;·&nbsp; classifier AUC %1 (0.5: indistinguishable)")
                .arg(o.value("classifier").toObject().value("auc").toDouble(), 0, 'f', 3);
  text += QObject::tr("<br>%1 generated showers (%2) against %3 Monte Carlo showers (%4)")
              .arg(gen.value("events").toInt())
              .arg(QFileInfo(gen.value("file").toString()).fileName())
              .arg(ref.value("events").toInt())
              .arg(QFileInfo(ref.value("file").toString()).fileName());
  for (const auto& b : o.value(QStringLiteral("energy_bins")).toArray()) {
    const QJsonObject bo = b.toObject();
    const QJsonArray r = bo.value(QStringLiteral("energy_range_gev")).toArray();
    text += QObject::tr("<br>%1–%2 GeV: ").arg(r.at(0).toDouble()).arg(r.at(1).toDouble()) +
            (bo.contains(QStringLiteral("score")) ? QObject::tr("score %1 (%2 / %3 showers)")
                                                        .arg(bo.value("score").toDouble(), 0, 'f', 3)
                                                        .arg(bo.value("events_generated").toInt())
                                                        .arg(bo.value("events_reference").toInt())
                                                  : bo.value(QStringLiteral("skipped")).toString());
  }
  const QJsonObject cc = o.value(QStringLiteral("calochallenge")).toObject();
  const QJsonObject powers = o.value(QStringLiteral("calochallenge_separation_power")).toObject();
  if (!powers.isEmpty())
    text += QObject::tr("<br>CaloChallenge evaluation (dataset %1): Etot / Einc %2, %3 histograms in the CaloChallenge tab")
                .arg(cc.value("dataset").toString())
                .arg(powers.value("Etot / Einc").toDouble(), 0, 'f', 4)
                .arg(powers.size());
  return text;
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
  summary_->setText(summaryText(o));
  const QJsonObject powers = o.value(QStringLiteral("calochallenge_separation_power")).toObject();
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
  if (!powers.isEmpty()) tabs_->insertTab(0, calochallengeTab(powers), tr("CaloChallenge"));
  tabs_->setCurrentIndex(0);
  lay->addWidget(tabs_, 1);
}

QString ReportView::summary() const { return summary_->text(); }
int ReportView::plotCount() const { return tabs_->count(); }

}  // namespace tf::viewers
