// Bounds on what one configuration may grow into while it is read: YAML aliases repeat the
// value their anchor marks (nine levels of nine aliases turn 10 lines into 387 million values),
// and ${...} interpolation pastes values into values. Both the YAML reader and the interpolator
// charge every value and every byte they produce to one budget, and stop with a clear error
// once it is spent, instead of running out of memory (which would take the workbench with it).
#pragma once

#include "config/Node.h"

#include <cstddef>
#include <string>

namespace tf::cfg {

struct ExpansionLimits {
  // A real pipeline file has a few hundred values; these leave three orders of magnitude.
  std::size_t maxValues = 200'000;
  std::size_t maxBytes = std::size_t{16} << 20;  // scalar text, all values together
  int maxDepth = 200;                            // nesting of lists and mappings
};

class ExpansionBudget {
 public:
  // `what` names the mechanism for messages: "YAML aliases", "${...} interpolation".
  explicit ExpansionBudget(std::string what, ExpansionLimits limits = {})
      : what_(std::move(what)), limits_(limits) {}

  // Charges one value of `bytes` bytes produced at `at`; throws ParseError naming `at` when
  // the budget is spent.
  void charge(std::size_t bytes, const Location& at) {
    ++values_;
    bytes_ += bytes;
    if (values_ > limits_.maxValues)
      throw ParseError(at, what_ + " expand this file to more than " + std::to_string(limits_.maxValues) +
                               " values (the limit); the value here is one that is repeated");
    if (bytes_ > limits_.maxBytes)
      throw ParseError(at, what_ + " expand this file to more than " + std::to_string(limits_.maxBytes >> 20) +
                               " MiB of text (the limit); the value here is one that is repeated");
  }

  // One list or mapping being produced, for as long as its members are: charges it as a value
  // and counts its nesting.
  class Level {
   public:
    Level(ExpansionBudget& b, const Location& at) : b_(b) {
      b_.charge(0, at);
      if (b_.depth_ + 1 > b_.limits_.maxDepth)
        throw ParseError(at, "values nested more than " + std::to_string(b_.limits_.maxDepth) + " levels deep (the limit)");
      ++b_.depth_;
    }
    ~Level() { --b_.depth_; }
    Level(const Level&) = delete;
    Level& operator=(const Level&) = delete;

   private:
    ExpansionBudget& b_;
  };

  std::size_t values() const { return values_; }
  std::size_t bytes() const { return bytes_; }
  const ExpansionLimits& limits() const { return limits_; }

 private:
  std::string what_;
  ExpansionLimits limits_;
  std::size_t values_ = 0;
  std::size_t bytes_ = 0;
  int depth_ = 0;
};

}  // namespace tf::cfg
