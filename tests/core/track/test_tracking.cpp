// Loggers: CRC-32C against the RFC 3720 test vectors, TensorBoard TFRecord framing read back
// and verified record by record, CSV output, and the `loggers:` key of pipeline files.
#include "TestSupport.h"
#include "config/Diagnostics.h"
#include "config/Node.h"
#include "track/Crc32c.h"
#include "track/Loggers.h"
#include "track/MlflowRest.h"
#include "track/Provenance.h"
#include "track/TensorBoardWriter.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <fstream>
#include <sstream>

using namespace tf;
using namespace tf::track;

namespace {

std::uint64_t le(const std::string& s, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)]);
  return v;
}

// Reads every TFRecord of a file, checking both masked CRCs; returns the payloads.
std::vector<std::string> readRecords(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string s = ss.str();
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < s.size()) {
    if (s.size() - at < 12) throw std::runtime_error("truncated header");
    const std::uint64_t len = le(s, at, 8);
    if (maskCrc(crc32c(s.data() + at, 8)) != le(s, at + 8, 4)) throw std::runtime_error("bad length crc");
    const std::string data = s.substr(at + 12, len);
    if (maskCrc(crc32c(data.data(), data.size())) != le(s, at + 12 + len, 4)) throw std::runtime_error("bad data crc");
    out.push_back(data);
    at += 12 + len + 4;
  }
  return out;
}

// Tiny protobuf reader for the fields our events use.
struct Field {
  int number, wire;
  std::uint64_t varint = 0;
  std::string bytes;
};
std::vector<Field> fields(const std::string& msg) {
  std::vector<Field> out;
  std::size_t i = 0;
  auto varint = [&] {
    std::uint64_t v = 0;
    int shift = 0;
    while (true) {
      auto b = static_cast<unsigned char>(msg.at(i++));
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
      shift += 7;
    }
  };
  while (i < msg.size()) {
    std::uint64_t k = varint();
    Field f{static_cast<int>(k >> 3), static_cast<int>(k & 7), 0, {}};
    if (f.wire == 0) f.varint = varint();
    else if (f.wire == 2) {
      auto n = varint();
      f.bytes = msg.substr(i, n);
      i += n;
    } else if (f.wire == 1) {
      f.bytes = msg.substr(i, 8);
      i += 8;
    } else if (f.wire == 5) {
      f.bytes = msg.substr(i, 4);
      i += 4;
    }
    out.push_back(f);
  }
  return out;
}

}  // namespace

class TestTracking : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

 private Q_SLOTS:
  void crc32cKnownVectors() {
    // RFC 3720 (iSCSI), appendix B.4, and the classic check value of "123456789".
    unsigned char buf[32];
    std::memset(buf, 0, 32);
    QCOMPARE(crc32c(buf, 32), 0x8A9136AAu);
    std::memset(buf, 0xFF, 32);
    QCOMPARE(crc32c(buf, 32), 0x62A8AB43u);
    for (int i = 0; i < 32; ++i) buf[i] = static_cast<unsigned char>(i);
    QCOMPARE(crc32c(buf, 32), 0x46DD794Eu);
    for (int i = 0; i < 32; ++i) buf[i] = static_cast<unsigned char>(31 - i);
    QCOMPARE(crc32c(buf, 32), 0x113FDB5Cu);
    QCOMPARE(crc32c("123456789", 9), 0xE3069283u);
    // Incremental use gives the same as one call.
    QCOMPARE(crc32c("6789", 4, crc32c("12345", 5)), 0xE3069283u);
    QCOMPARE(maskCrc(0), 0xa282ead8u);
  }

  void tensorBoardFileReadsBack() {
    std::string path;
    {
      TensorBoardLogger logger(tmp_.filePath("tb").toStdString());
      Event e;
      e.type = Event::Type::Metric;
      e.step = "train";
      e.name = "loss";
      e.timeMs = 1700000000123;
      for (int i = 1; i <= 3; ++i) {
        e.index = i;
        e.value = 1.0 / i;
        logger.onEvent(e);
      }
      Event log;
      log.type = Event::Type::Log;  // ignored
      logger.onEvent(log);
      path = logger.writer().file().string();
    }
    QVERIFY(QString::fromStdString(path).contains("events.out.tfevents."));
    auto records = readRecords(path);
    QCOMPARE(records.size(), size_t(4));
    auto version = fields(records[0]);
    QCOMPARE(version[1].number, 3);
    QCOMPARE(version[1].bytes, std::string("brain.Event:2"));
    for (int i = 1; i <= 3; ++i) {
      auto ev = fields(records[static_cast<std::size_t>(i)]);
      double wall;
      std::memcpy(&wall, ev[0].bytes.data(), 8);
      QCOMPARE(wall, 1700000000.123);
      QCOMPARE(ev[1].number, 2);
      QCOMPARE(ev[1].varint, std::uint64_t(i));
      auto value = fields(fields(ev[2].bytes)[0].bytes);
      QCOMPARE(value[0].bytes, std::string("train/loss"));
      float v;
      std::memcpy(&v, value[1].bytes.data(), 4);
      QCOMPARE(v, 1.0f / static_cast<float>(i));
    }
  }

  void csvLogger() {
    const std::string file = tmp_.filePath("m/metrics.csv").toStdString();
    {
      CsvLogger csv(file);
      Event e;
      e.type = Event::Type::Metric;
      e.step = "train";
      e.name = "val_loss";
      e.index = 4;
      e.value = 0.5;
      e.timeMs = 42;
      csv.onEvent(e);
    }
    QFile f(QString::fromStdString(file));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(f.readAll()), QStringLiteral("time_ms,step,metric,index,value\n42,train,val_loss,4,0.5\n"));
  }

  void loggersKeyIsValidated() {
    Diagnostics d;
    QCOMPARE(parseLoggers(nullptr, d), (std::vector<std::string>{"mlflow"}));
    cfg::Node ok = cfg::parseYaml("[tensorboard, csv, csv]", "l.yaml");
    QCOMPARE(parseLoggers(&ok, d), (std::vector<std::string>{"tensorboard", "csv"}));
    QVERIFY(!d.hasErrors());
    cfg::Node bad = cfg::parseYaml("[tensorboard, wandb]", "l.yaml");
    parseLoggers(&bad, d);
    QVERIFY2(QString::fromStdString(d.str()).contains("l.yaml:1:15: loggers: expected one of mlflow, tensorboard, csv, console or {mlflow: {tracking_uri: http://..., experiment_name: ...}}, got \"wandb\""),
             d.str().c_str());
  }

  void mlflowServerFromLoggersOrEnvironment() {
    Diagnostics d;
    qunsetenv("MLFLOW_TRACKING_URI");
    qunsetenv("MLFLOW_EXPERIMENT_NAME");
    cfg::Node given = cfg::parseYaml("[csv, {mlflow: {tracking_uri: 'http://lab:5000/', experiment_name: calo}}]", "l.yaml");
    QCOMPARE(parseLoggers(&given, d), (std::vector<std::string>{"csv", "mlflow"}));
    MlflowServer s = mlflowServer(&given, &d);
    QVERIFY2(!d.hasErrors(), d.str().c_str());
    QCOMPARE(QString::fromStdString(s.uri), QString("http://lab:5000"));  // trailing slash dropped
    QCOMPARE(QString::fromStdString(s.experiment), QString("calo"));
    // A path is a file store (the workspace already is one): refused by name, not a server.
    cfg::Node path = cfg::parseYaml("[{mlflow: {tracking_uri: mlruns, flavour: x}}]", "p.yaml");
    Diagnostics d2;
    QVERIFY(!mlflowServer(&path, &d2).active());
    QVERIFY2(QString::fromStdString(d2.str()).contains("p.yaml:1:26: loggers.mlflow.tracking_uri: expected an http:// or https://"),
             d2.str().c_str());
    QVERIFY2(QString::fromStdString(d2.str()).contains("loggers.mlflow.flavour: unknown setting"), d2.str().c_str());
    // Else MLflow's own variables; a file: URI there is no server either.
    QVERIFY(!mlflowServer(nullptr).active());
    qputenv("MLFLOW_TRACKING_URI", "https://mlflow.example.org");
    qputenv("MLFLOW_EXPERIMENT_NAME", "gw");
    s = mlflowServer(nullptr);
    QCOMPARE(QString::fromStdString(s.uri + " " + s.experiment + " " + s.from),
             QString("https://mlflow.example.org gw MLFLOW_TRACKING_URI"));
    qputenv("MLFLOW_TRACKING_URI", "file:///tmp/mlruns");
    QVERIFY(!mlflowServer(nullptr).active());
    qunsetenv("MLFLOW_TRACKING_URI");
    qunsetenv("MLFLOW_EXPERIMENT_NAME");
  }

  void unreachableServerIsAnErrorNamingTheAddress() {
    MlflowClient c("http://127.0.0.1:1", 2000);
    try {
      c.experimentId("x");
      QFAIL("no error");
    } catch (const RestError& e) {
      QCOMPARE(e.httpStatus, 0L);
      QVERIFY(e.retryable());
      QVERIFY2(QString(e.what()).contains("http://127.0.0.1:1/api/2.0/mlflow/experiments/get-by-name"), e.what());
    }
  }

  void provenanceOfTheSourceTree() {
    GitInfo g = gitInfo(TF_SOURCE_DIR);
    if (!QFile::exists(QStringLiteral(TF_SOURCE_DIR "/.git"))) QSKIP("source tree is not a git checkout");
    QCOMPARE(int(g.commit.size()), 40);
    QVERIFY(gitInfo("/").commit.empty());
    auto env = environment({"twinforge-run", "x.yaml"});
    QCOMPARE(env["command_line"][1].get<std::string>(), std::string("x.yaml"));
    QVERIFY(env["libtorch_version"].get<std::string>().rfind("1.", 0) == 0 || env["libtorch_version"].get<std::string>().rfind("2.", 0) == 0);
  }
};

QTEST_APPLESS_MAIN(TestTracking)
#include "test_tracking.moc"
