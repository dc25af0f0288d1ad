// Plugin "test": small components whose behaviour the executor tests can predict.
// A fixture, not a test: tests/core/test_executor.cpp, test_pipeline_loader.cpp and
// test_registry.cpp (pluginsLoadWithTheirName) assert what happens when pipelines use it.
// Values travel in Artifact::meta, so these need no tensor code.
#include "exec/Component.h"
#include "exec/Params.h"
#include "registry/Plugin.h"

#include <chrono>
#include <thread>

namespace {

tf::Artifact number(double v) {
  tf::Artifact a;
  a.type = "Metrics";
  a.meta = {{"value", v}};
  return a;
}

struct Source : tf::Component {
  double v;
  explicit Source(const tf::Params& p) : v(p.getDouble("value")) {}
  tf::Artifacts run(tf::StepContext& ctx, const tf::Artifacts&) override {
    ctx.log("source " + std::to_string(v));
    ctx.metric("value", v, 1);
    return {{"out", number(v)}};
  }
};

struct Add : tf::Component {
  double k;
  explicit Add(const tf::Params& p) : k(p.getDouble("amount")) {}
  tf::Artifacts run(tf::StepContext& ctx, const tf::Artifacts& in) override {
    double v = in.at("in").meta.at("value").get<double>() + k;
    ctx.progress(1.0, "added");
    return {{"out", number(v)}};
  }
};

struct Sum : tf::Component {
  explicit Sum(const tf::Params&) {}
  tf::Artifacts run(tf::StepContext&, const tf::Artifacts& in) override {
    return {{"out", number(in.at("a").meta.at("value").get<double>() + in.at("b").meta.at("value").get<double>())}};
  }
};

struct Fail : tf::Component {
  std::string msg;
  explicit Fail(const tf::Params& p) : msg(p.getString("message")) {}
  tf::Artifacts run(tf::StepContext&, const tf::Artifacts&) override { throw std::runtime_error(msg); }
};

struct Slow : tf::Component {
  int ms;
  explicit Slow(const tf::Params& p) : ms(static_cast<int>(p.getInt("milliseconds"))) {}
  tf::Artifacts run(tf::StepContext& ctx, const tf::Artifacts& in) override {
    for (int i = 0; i < ms / 10; ++i) {
      ctx.checkCancelled();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      ctx.progress(static_cast<double>(i + 1) / (ms / 10), "waiting");
    }
    return {{"out", in.count("in") ? in.at("in") : number(0)}};
  }
};

tf::ComponentInfo make(const char* cp, std::vector<tf::ParamSpec> params, std::vector<tf::PortSpec> ins,
                       std::vector<tf::PortSpec> outs, std::function<tf::Component*(const tf::Params&)> f) {
  tf::ComponentInfo c;
  c.classPath = cp;
  c.doc = "test component";
  c.category = "Test";
  c.params = std::move(params);
  c.inputs = std::move(ins);
  c.outputs = std::move(outs);
  c.factory = std::move(f);
  return c;
}

}  // namespace

TWINFORGE_PLUGIN(test) {
  using tf::ParamSpec;
  reg.add(make("test.Source", {ParamSpec::Float("value", "1")}, {}, {{"out", "Metrics", "", false}},
               [](const tf::Params& p) -> tf::Component* { return new Source(p); }));
  reg.add(make("test.Add", {ParamSpec::Float("amount", "1")}, {{"in", "Metrics", "", false}},
               {{"out", "Metrics", "", false}}, [](const tf::Params& p) -> tf::Component* { return new Add(p); }));
  reg.add(make("test.Sum", {}, {{"a", "Metrics", "", false}, {"b", "Metrics", "", false}},
               {{"out", "Metrics", "", false}}, [](const tf::Params& p) -> tf::Component* { return new Sum(p); }));
  reg.add(make("test.Fail", {ParamSpec::String("message", "boom")}, {{"in", "Metrics", "", true}},
               {{"out", "Metrics", "", false}}, [](const tf::Params& p) -> tf::Component* { return new Fail(p); }));
  reg.add(make("test.Slow", {ParamSpec::Int("milliseconds", "100").atLeast(0)}, {{"in", "Metrics", "", true}},
               {{"out", "Metrics", "", false}}, [](const tf::Params& p) -> tf::Component* { return new Slow(p); }));
}
