// The GW twin through twinforge-run: the example pipeline at its small preset (fixed seeds)
// trains a denoiser that clearly improves the match with the injected signal on held-out
// strain; `info` describes strain files; bad input names the file.
#include "TestSupport.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

namespace {

using tftest::findFile;
using tftest::runTool;
using Result = tftest::ToolResult;

}  // namespace

class TestGw : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

 private Q_SLOTS:
  void examplePipelineImprovesTheMatch() {
    const QString ws = tmp_.filePath("ws");
    Result r = runTool({tftest::source("resources/pipelines/gw-denoise.yaml"), "-w", ws});
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    const QString report = findFile(ws + "/mlruns", "report.json");
    QVERIFY(!report.isEmpty());
    QFile f(report);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject j = QJsonDocument::fromJson(f.readAll()).object();
    const double before = j["match_noisy_median"].toDouble(-1), after = j["match_denoised_median"].toDouble(-1);
    qInfo("held-out chirps: median match %.3f noisy, %.3f denoised; SNR gain %.1f dB; glitch residual %.3f", before, after,
          j["snr_gain_db_median"].toDouble(), j["glitch_residual_energy_ratio_median"].toDouble());
    QVERIFY2(j["chirps_scored"].toInt() >= 10, qPrintable(QJsonDocument(j).toJson()));
    QVERIFY2(before > 0.1 && before < 0.7, qPrintable(QString::number(before)));  // the injected signal is there, buried
    QVERIFY2(after > before + 0.25, qPrintable(QString("%1 -> %2").arg(before).arg(after)));
    QVERIFY2(after > 0.8, qPrintable(QString::number(after)));
    QVERIFY(j["snr_gain_db_median"].toDouble() > 6);
    QVERIFY(j["glitch_residual_energy_ratio_median"].toDouble() < 0.5);  // glitches mostly removed
    // Residual noise is lower after denoising in the band where chirps live.
    const QJsonObject mid = j["residual_asd_bands"].toArray()[1].toObject();
    QVERIFY(mid["residual_asd_denoised"].toDouble() < mid["residual_asd_noisy"].toDouble());
    const QString dir = QFileInfo(report).absolutePath();
    for (const char* svg : {"residual_asd.svg", "loudest_chirp.svg"}) {
      QFile s(dir + "/" + svg);
      QVERIFY2(s.open(QIODevice::ReadOnly) && s.readAll().contains("<polyline"), svg);
    }

    Result info = runTool({"info", ws + "/data/gw-test.hdf5"});
    QVERIFY2(info.code == 0, qPrintable(info.err));
    for (const char* want : {"strain file (GWOSC)", "detector:    H1", "GPS span:    1187010000.000 .. 1187010128.000 (128.000 s)",
                             "sample rate: 2048 Hz, 262144 samples", "bit 0 DATA: 128.0 s set", "NO_CBC_HW_INJ"})
      QVERIFY2(info.out.contains(want), qPrintable(want + QString(" in:\n") + info.out));
  }

  void itwinaiVirgoFileRunsUnchanged() {
    // The images first, small (64 sets), where itwinai's generator looks for them (data_root).
    const QString root = tmp_.filePath("virgo-data");
    const QString make = tftest::writeFile(tmp_, "images.yaml",
                                           QString("pipeline:\n"
                                                   "  steps:\n"
                                                   "    images:\n"
                                                   "      _target_: gw.AuxChannelImages\n"
                                                   "      file: %1/virgo_data.hdf5\n"
                                                   "      rows: 64\n")
                                               .arg(root)
                                               .toUtf8());
    Result r = runTool({make, "-w", tmp_.filePath("vws")});
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    QVERIFY(QFile::exists(root + "/virgo_data.hdf5"));
    const QString config = tftest::source("tests/fixtures/itwinai-virgo.yaml");
    // The small pipeline: generator (keeps the images), splitter, processor, trainer.
    r = runTool({config, "-p", "training_pipeline_small", "--set", "data_root=" + root, "--set", "epochs=1", "-w", tmp_.filePath("vws")});
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    const QString all = r.out + r.err;
    QVERIFY2(all.contains("kept " + root + "/virgo_data.hdf5: 64 image sets of 4 channels"), qPrintable(all));
    QVERIFY2(all.contains("split 64 image sets into 58 train and 6 validation"), qPrintable(all));
    QVERIFY2(all.contains("glitch-flow network (simple, 309057 parameters)") && all.contains("adam lr 0.000100"), qPrintable(all));
    // What is not honoured is said by name, with where it is written.
    for (const char* key : {"config.save_best = true (", "checkpoint_path = \"checkpoints/epoch_{}.pth\" (", "logger = a mapping ("})
      QVERIFY2(all.contains(QString(key) + config + ":"), qPrintable(QString(key) + " not warned in:\n" + all));
    QVERIFY(!findFile(tmp_.filePath("vws") + "/mlruns", "tensors.h5").isEmpty());
    // The full pipeline reads the same images from hdf5_file_location.
    r = runTool({config, "--set", "hdf5_file_location=" + root + "/virgo_data.hdf5", "--set", "epochs=1", "-w", tmp_.filePath("vws")});
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    QVERIFY2((r.out + r.err).contains("chunk_size = 1000"), qPrintable(r.out + r.err));
    QVERIFY2((r.out + r.err).contains("held-out images: L1"), qPrintable(r.out + r.err));
    // The native steps: the attention U-Net on the same images; its training loss falls.
    const QString flow = tftest::writeFile(tmp_, "flow.yaml",
                                           QString("pipeline:\n"
                                                   "  steps:\n"
                                                   "    images: {_target_: gw.AuxChannelImages, file: %1/virgo_data.hdf5, rows: 64}\n"
                                                   "    split: {_target_: core.TrainValSplit, val_fraction: 0.2, seed: 3}\n"
                                                   "    train: {_target_: gw.GlitchFlowTrainer, epochs: 4, lr: 1.0e-3, batch_size: 8, seed: 5}\n")
                                               .arg(root)
                                               .toUtf8());
    r = runTool({flow, "-w", tmp_.filePath("vws")});
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    QVERIFY2((r.out + r.err).contains("glitch-flow network (attention-unet, width 16, 487580 parameters)"), qPrintable(r.out + r.err));
    const QRegularExpression lossRe("epoch (\\d+)/4 loss ([0-9.e-]+)");
    std::vector<double> losses;
    for (auto it = lossRe.globalMatch(r.out + r.err); it.hasNext();) losses.push_back(it.next().captured(2).toDouble());
    QVERIFY2(losses.size() >= 2 && losses.back() < losses.front(), qPrintable(r.out + r.err));
    // A missing images file is named.
    r = runTool({config, "--set", "hdf5_file_location=" + root + "/nothing.hdf5", "--set", "epochs=1", "-w", tmp_.filePath("vws")});
    QVERIFY(r.code != 0);
    QVERIFY2((r.out + r.err).contains("nothing.hdf5") && (r.out + r.err).contains("no such file"), qPrintable(r.out + r.err));
  }

  void badInputIsNamed() {
    const QString ws = tmp_.filePath("bad");
    QDir().mkpath(ws + "/data");
    QFile notes(ws + "/data/notes.hdf5");
    QVERIFY(notes.open(QIODevice::WriteOnly));
    notes.write("these are my notes, not strain\n");
    notes.close();
    const QString yaml = tftest::writeFile(tmp_, "bad.yaml",
                                           "pipeline:\n"
                                           "  steps:\n"
                                           "    whiten:\n"
                                           "      _target_: gw.Whiten\n"
                                           "      file: data/notes.hdf5\n");
    Result r = runTool({yaml, "-w", ws});
    QVERIFY(r.code != 0);
    QVERIFY2((r.err + r.out).contains("notes.hdf5") && (r.err + r.out).contains("not an HDF5 file"), qPrintable(r.err + r.out));
    const QString overlap = tftest::writeFile(tmp_, "overlap.yaml",
                                              "pipeline:\n"
                                              "  steps:\n"
                                              "    whiten:\n"
                                              "      _target_: gw.Whiten\n"
                                              "      file: data/notes.hdf5\n"
                                              "      fftlength: 2\n"
                                              "      overlap: 3\n");
    r = runTool({overlap, "-w", ws});
    QVERIFY(r.code != 0);
    QVERIFY2((r.err + r.out).contains("overlap must be shorter than fftlength"), qPrintable(r.err + r.out));
  }
};

QTEST_GUILESS_MAIN(TestGw)
#include "test_gw.moc"
