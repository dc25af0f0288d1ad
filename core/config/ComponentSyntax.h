// The one owner of itwinai's component syntax: how a YAML mapping names a component (Hydra's
// `_target_` or jsonargparse's `class_path` with `init_args`), which keys are structure rather
// than arguments (`inputs`, `_name_`), where a pipeline keeps its steps (`steps:` or
// `init_args.steps:`) and how list-form steps are named. The loader, the document, the
// inspector and the canvas all ask here; nobody else spells these keys.
#pragma once

#include "config/Node.h"

#include <string>
#include <utility>
#include <vector>

namespace tf {

namespace syntax {
inline constexpr const char* kTarget = "_target_";      // Hydra: class and arguments inline
inline constexpr const char* kClassPath = "class_path";  // jsonargparse: class ...
inline constexpr const char* kInitArgs = "init_args";    // ... and its arguments
inline constexpr const char* kInputs = "inputs";         // TwinForge: a step's links
inline constexpr const char* kName = "_name_";           // itwinai: a list-form step's name
inline constexpr const char* kSteps = "steps";
inline constexpr const char* kLayout = "layout";          // TwinForge: node positions, ignored by the engine

enum class Style { Hydra, JsonArgParse };

// Keys of a component node that are structure, not arguments.
bool isStructuralKey(const std::string& key);
// Does this mapping name a component (a `_target_` or `class_path` key)?
bool isComponent(const cfg::Node& n);
Style styleOf(const cfg::Node& component);
// The node holding the class path (for error locations), or null.
const cfg::Node* classPathNode(const cfg::Node& component);
// "_target_ or class_path", for messages that tell a user how to name a component.
std::string componentKeysText();
// A component in flow style, for defaults and examples: "{_target_: core.MLP}".
std::string componentFlow(const std::string& classPath);
// A new, argument-less component node in the given style.
cfg::Node makeComponent(const std::string& classPath, Style style = Style::Hydra);
// The mapping that holds a component's arguments as written: `init_args` for class_path style
// (created when `create`), else the node itself, which also holds its structural keys.
cfg::Node* argumentsNode(cfg::Node& component, bool create);
const cfg::Node* argumentsNode(const cfg::Node& component);
// The arguments a user set, as written, without structural keys, in file order.
std::vector<std::pair<std::string, const cfg::Node*>> settingsOf(const cfg::Node& component);
// The path of a pipeline's steps below its key: "steps" or "init_args.steps".
std::string stepsPath(const cfg::Node& pipeline);
cfg::Node* stepsOf(cfg::Node& pipeline);
// The step node called `name` in a steps node (list form named as listStepNames does), or null.
cfg::Node* stepNamed(cfg::Node& steps, const std::string& name);
}  // namespace syntax

// Is this mapping a pipeline (has steps, directly or in init_args)?
bool isPipelineNode(const cfg::Node& n);
// The class path a component node names (_target_ or class_path), or "".
std::string classPathOf(const cfg::Node& n);
// The arguments of a component node: init_args for class_path style, else the inline keys.
cfg::Node argumentsOf(const cfg::Node& n);
// The steps node of a pipeline node (`steps:` or `init_args.steps:`), or null.
const cfg::Node* stepsOf(const cfg::Node& pipeline);

// The name a list-form step gets when it has no `_name_`: the class's short name in snake case
// ("core.MLPTrainer" -> "mlp_trainer"); the canvas names new nodes the same way.
std::string defaultStepName(const std::string& classPath);
// Names of list-form steps: `_name_` if given, else defaultStepName, numbered when it repeats
// ("trainer", "trainer_2").
std::vector<std::string> listStepNames(const cfg::Node& steps);

}  // namespace tf
