// Rank and world detection from torchrun, Open MPI and SLURM environments.
#include "dist/Environment.h"

#include <QtTest>

#include <map>

using namespace tf::dist;

namespace {
GetEnv envOf(std::map<std::string, std::string> vars) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [shared](const char* n) -> const char* {
    auto it = shared->find(n);
    return it == shared->end() ? nullptr : it->second.c_str();
  };
}
}  // namespace

class TestDistEnv : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void single() {
    auto e = detectEnvironment(envOf({}));
    QCOMPARE(e.worldSize, 1);
    QVERIFY(!e.distributed());
    QCOMPARE(e.source, std::string("single"));
  }

  void torchrunWins() {
    auto e = detectEnvironment(envOf({{"RANK", "3"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"LOCAL_WORLD_SIZE", "2"},
                                      {"MASTER_ADDR", "10.1.2.3"}, {"MASTER_PORT", "1234"},
                                      {"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "8"}}));
    QCOMPARE(e.source, std::string("torchrun"));
    QCOMPARE(e.rank, 3);
    QCOMPARE(e.localRank, 1);
    QCOMPARE(e.masterAddr, std::string("10.1.2.3"));
    QCOMPARE(e.masterPort, 1234);
    QVERIFY(e.distributed());
  }

  void openMpi() {
    auto e = detectEnvironment(envOf({{"OMPI_COMM_WORLD_RANK", "5"}, {"OMPI_COMM_WORLD_SIZE", "6"},
                                      {"OMPI_COMM_WORLD_LOCAL_RANK", "2"}, {"OMPI_COMM_WORLD_LOCAL_SIZE", "3"}}));
    QCOMPARE(e.source, std::string("openmpi"));
    QCOMPARE(e.rank, 5);
    QCOMPARE(e.localWorldSize, 3);
  }

  void slurmDerivesLocalSizeAndHost() {
    auto e = detectEnvironment(envOf({{"SLURM_PROCID", "6"}, {"SLURM_NTASKS", "7"}, {"SLURM_LOCALID", "0"}, {"SLURM_NODEID", "3"},
                                      {"SLURM_TASKS_PER_NODE", "2(x3),1"}, {"SLURM_JOB_NODELIST", "gpu[007-010],login1"},
                                      {"SLURM_JOB_ID", "123456"}}));
    QCOMPARE(e.source, std::string("slurm"));
    QCOMPARE(e.localWorldSize, 1);  // the fourth node runs one task
    QCOMPARE(e.masterAddr, std::string("gpu007"));
    QCOMPARE(e.masterPort, 20000 + 123456 % 20000);
    QCOMPARE(expandSlurmTasksPerNode("2(x3),1"), (std::vector<int>{2, 2, 2, 1}));
    QCOMPARE(expandSlurmTasksPerNode("4"), (std::vector<int>{4}));
    QCOMPARE(firstSlurmHost("node1,node2"), std::string("node1"));
    QCOMPARE(firstSlurmHost("nid00[123-125]"), std::string("nid00123"));
    QCOMPARE(firstSlurmHost("a[3,5]-ib"), std::string("a3-ib"));
  }

  void malformedValuesNameTheVariable() {
    auto expectError = [](std::map<std::string, std::string> vars, const char* text) {
      try {
        detectEnvironment(envOf(std::move(vars)));
        QFAIL("expected an error");
      } catch (const std::runtime_error& e) {
        QVERIFY2(QString(e.what()).contains(text), e.what());
      }
    };
    expectError({{"RANK", "two"}, {"WORLD_SIZE", "4"}}, "RANK='two': expected an integer >= 0");
    expectError({{"RANK", "4"}, {"WORLD_SIZE", "4"}}, "RANK=4 is not below the world size 4");
    expectError({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_TASKS_PER_NODE", "2(3)"}}, "SLURM_TASKS_PER_NODE='2(3)'");
    expectError({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_NODEID", "2"}, {"SLURM_TASKS_PER_NODE", "1(x2)"}},
                "SLURM_NODEID=2 but SLURM_TASKS_PER_NODE describes 2 node(s)");
  }
};

QTEST_APPLESS_MAIN(TestDistEnv)
#include "test_dist_env.moc"
