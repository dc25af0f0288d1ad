// A configuration tree that remembers where every value came from (file, line, column).
// Pipelines, overrides and interpolation work on it; yaml-cpp is only the parser/emitter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tf::cfg {

struct Location {
  std::string file;         // file name, or a pseudo source like "--set"
  int line = 0;             // 1-based; 0 when unknown
  int column = 0;           // 1-based; 0 when unknown
  std::string str() const;  // "file:line:col" (parts left out when unknown)
};

class Node {
 public:
  enum class Kind { Null, Scalar, Sequence, Map };
  using Entry = std::pair<std::string, Node>;

  Node() = default;
  static Node scalar(std::string text, bool quoted = false, Location loc = {});
  static Node sequence(Location loc = {});
  static Node map(Location loc = {});

  Kind kind() const { return kind_; }
  bool isNull() const { return kind_ == Kind::Null; }
  bool isScalar() const { return kind_ == Kind::Scalar; }
  bool isSequence() const { return kind_ == Kind::Sequence; }
  bool isMap() const { return kind_ == Kind::Map; }
  const char* kindName() const;

  const Location& location() const { return loc_; }
  void setLocation(Location loc) { loc_ = std::move(loc); }

  // Scalars. `quoted` keeps the YAML distinction between "3" (a string) and 3 (a number).
  const std::string& text() const { return text_; }
  bool quoted() const { return quoted_; }
  std::optional<std::int64_t> asInt() const;
  std::optional<double> asDouble() const;
  std::optional<bool> asBool() const;
  // Human-readable rendering for messages: scalars as themselves, containers abbreviated.
  std::string describe() const;

  // Sequences.
  const std::vector<Node>& items() const { return items_; }
  std::vector<Node>& items() { return items_; }
  void push(Node n) { items_.push_back(std::move(n)); }

  // Maps keep insertion order so files round-trip with stable key order.
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Entry>& entries() { return entries_; }
  const Node* find(const std::string& key) const;
  Node* find(const std::string& key);
  // Location of a key itself (for "unknown key" messages); falls back to the node's.
  Location keyLocation(const std::string& key) const;
  void set(const std::string& key, Node value, Location keyLoc = {});
  // Adds a key the caller knows is not there yet (set() searches, which is quadratic when a
  // reader adds thousands of keys).
  void append(std::string key, Node value, Location keyLoc = {});
  bool erase(const std::string& key);
  std::size_t size() const { return kind_ == Kind::Map ? entries_.size() : items_.size(); }

  // Structural equality (locations ignored).
  bool operator==(const Node& other) const;
  bool operator!=(const Node& other) const { return !(*this == other); }

 private:
  Kind kind_ = Kind::Null;
  Location loc_;
  std::string text_;
  bool quoted_ = false;
  std::vector<Node> items_;
  std::vector<Entry> entries_;
  std::vector<Location> keyLocs_;  // parallel to entries_
};

// Parse YAML text. Throws tf::cfg::ParseError with file:line:col on malformed input.
Node parseYaml(const std::string& text, const std::string& fileName);
Node parseYamlFile(const std::string& path);
// Parse a single command-line value ("1e-3", "[64, 32]", "adam") as YAML.
Node parseYamlValue(const std::string& text, Location loc);
std::string toYaml(const Node& node);

struct ParseError : std::exception {
  Location where;
  std::string message;
  std::string full;
  ParseError(Location w, std::string m);
  const char* what() const noexcept override { return full.c_str(); }
};

}  // namespace tf::cfg
