#include "config/Node.h"

#include "config/Expansion.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unordered_set>

namespace tf::cfg {

std::string Location::str() const {
  std::string s = file.empty() ? std::string("<input>") : file;
  if (line > 0) {
    s += ":" + std::to_string(line);
    if (column > 0) s += ":" + std::to_string(column);
  }
  return s;
}

ParseError::ParseError(Location w, std::string m)
    : where(std::move(w)), message(std::move(m)), full(where.str() + ": " + message) {}

Node Node::scalar(std::string text, bool quoted, Location loc) {
  Node n;
  n.kind_ = Kind::Scalar;
  n.text_ = std::move(text);
  n.quoted_ = quoted;
  n.loc_ = std::move(loc);
  return n;
}

Node Node::sequence(Location loc) {
  Node n;
  n.kind_ = Kind::Sequence;
  n.loc_ = std::move(loc);
  return n;
}

Node Node::map(Location loc) {
  Node n;
  n.kind_ = Kind::Map;
  n.loc_ = std::move(loc);
  return n;
}

const char* Node::kindName() const {
  switch (kind_) {
    case Kind::Null:
      return "null";
    case Kind::Scalar:
      return "scalar";
    case Kind::Sequence:
      return "list";
    case Kind::Map:
      return "mapping";
  }
  return "?";
}

std::optional<std::int64_t> Node::asInt() const {
  if (kind_ != Kind::Scalar || quoted_ || text_.empty()) return std::nullopt;
  const char* b = text_.c_str();
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(b, &end, 10);
  if (errno != 0 || *end != '\0') return std::nullopt;
  return static_cast<std::int64_t>(v);
}

std::optional<double> Node::asDouble() const {
  if (kind_ != Kind::Scalar || quoted_ || text_.empty()) return std::nullopt;
  std::string t = text_;
  std::string lower = t;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == ".inf" || lower == "+.inf") return HUGE_VAL;
  if (lower == "-.inf") return -HUGE_VAL;
  if (lower == ".nan") return std::nan("");
  // strtod also accepts "inf", "nan" and hex floats, which YAML reads as strings.
  if (lower.find("inf") != std::string::npos || lower.find("nan") != std::string::npos ||
      lower.find("0x") != std::string::npos)
    return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (*end != '\0') return std::nullopt;
  return v;
}

std::optional<bool> Node::asBool() const {
  if (kind_ != Kind::Scalar || quoted_) return std::nullopt;
  std::string lower = text_;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "no" || lower == "off") return false;
  return std::nullopt;
}

std::string Node::describe() const {
  switch (kind_) {
    case Kind::Null:
      return "null";
    case Kind::Scalar:
      return quoted_ || !(asDouble() || asBool()) ? "\"" + text_ + "\"" : text_;
    case Kind::Sequence:
      return "a list of " + std::to_string(items_.size());
    case Kind::Map:
      return "a mapping";
  }
  return "?";
}

const Node* Node::find(const std::string& key) const {
  for (const auto& e : entries_)
    if (e.first == key) return &e.second;
  return nullptr;
}

Node* Node::find(const std::string& key) {
  for (auto& e : entries_)
    if (e.first == key) return &e.second;
  return nullptr;
}

Location Node::keyLocation(const std::string& key) const {
  for (std::size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].first == key && i < keyLocs_.size() && keyLocs_[i].line > 0) return keyLocs_[i];
  if (const Node* n = find(key)) return n->location();
  return loc_;
}

void Node::set(const std::string& key, Node value, Location keyLoc) {
  if (Node* existing = kind_ == Kind::Map ? find(key) : nullptr) {
    *existing = std::move(value);
    return;
  }
  append(key, std::move(value), std::move(keyLoc));
}

void Node::append(std::string key, Node value, Location keyLoc) {
  if (kind_ != Kind::Map) {
    kind_ = Kind::Map;
    items_.clear();
    text_.clear();
  }
  entries_.emplace_back(std::move(key), std::move(value));
  keyLocs_.resize(entries_.size());
  keyLocs_.back() = std::move(keyLoc);
}

bool Node::erase(const std::string& key) {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].first == key) {
      entries_.erase(entries_.begin() + static_cast<long>(i));
      if (i < keyLocs_.size()) keyLocs_.erase(keyLocs_.begin() + static_cast<long>(i));
      return true;
    }
  }
  return false;
}

namespace {
// A plain scalar that YAML would read as something other than a string.
bool typedPlain(const Node& n) { return n.asDouble() || n.asBool(); }
}  // namespace

bool Node::operator==(const Node& o) const {
  if (kind_ != o.kind_) return false;
  switch (kind_) {
    case Kind::Null:
      return true;
    case Kind::Scalar:
      // "abc" and abc are the same string; "3" and 3 are not the same value.
      return text_ == o.text_ && typedPlain(*this) == typedPlain(o);
    case Kind::Sequence:
      return items_ == o.items_;
    case Kind::Map:
      return entries_ == o.entries_;
  }
  return false;
}

// ---------------------------------------------------------------------------
// yaml-cpp conversion

namespace {

Location locOf(const YAML::Mark& m, const std::string& file) {
  if (m.is_null()) return Location{file, 0, 0};
  return Location{file, m.line + 1, m.column + 1};
}

// yaml-cpp keeps an alias as a second reference to its anchor's value; copying the tree into
// Nodes expands it, so the copy is charged to a budget, and an alias inside the value it refers
// to (a cycle) is refused rather than followed forever.
struct Converter {
  explicit Converter(const std::string& fileName) : file(fileName) {}

  const std::string& file;
  ExpansionBudget budget{"YAML aliases"};
  std::vector<YAML::Node> open;  // lists and mappings being copied, outermost first

  Node operator()(const YAML::Node& y) {
    Location loc = locOf(y.Mark(), file);
    switch (y.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null: {
        budget.charge(0, loc);
        Node n;
        n.setLocation(loc);
        return n;
      }
      case YAML::NodeType::Scalar:
        budget.charge(y.Scalar().size(), loc);
        // yaml-cpp tags plain scalars "?" and quoted ones "!".
        return Node::scalar(y.Scalar(), y.Tag() == "!", loc);
      case YAML::NodeType::Sequence: {
        Node n = Node::sequence(loc);
        Nesting nest(*this, y, loc);
        for (const auto& item : y) n.push((*this)(item));
        return n;
      }
      case YAML::NodeType::Map: {
        Node n = Node::map(loc);
        Nesting nest(*this, y, loc);
        std::unordered_set<std::string> seen;
        for (const auto& kv : y) {
          const Location keyLoc = locOf(kv.first.Mark(), file);
          if (!kv.first.IsScalar()) throw ParseError(keyLoc, "mapping keys must be plain names");
          std::string key = kv.first.Scalar();
          if (!seen.insert(key).second) throw ParseError(keyLoc, "duplicate key '" + key + "'");
          budget.charge(key.size(), keyLoc);
          n.append(std::move(key), (*this)(kv.second), keyLoc);
        }
        return n;
      }
    }
    return Node();
  }

  struct Nesting {
    Converter& c;
    ExpansionBudget::Level level;
    Nesting(Converter& conv, const YAML::Node& y, const Location& loc) : c(conv), level(conv.budget, loc) {
      for (const auto& o : c.open)
        if (o.is(y))
          throw ParseError(loc, "a YAML alias inside this value refers back to the value itself, so it would never end");
      c.open.push_back(y);
    }
    ~Nesting() { c.open.pop_back(); }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;
  };
};

Node convert(const YAML::Node& y, const std::string& file) { return Converter(file)(y); }

// Would this text, written without quotes, be read back as something other than a string?
bool readsAsNonString(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return true;
  return typedPlain(Node::scalar(text, false));
}

bool allScalars(const Node& n) {
  for (const auto& i : n.items())
    if (!i.isScalar() && !i.isNull()) return false;
  return true;
}

// Small mappings of scalars under these keys read best on one line: `inputs: {path: mc.path}`.
bool flowMap(const Node& n, const std::string& key) {
  if (n.entries().empty()) return true;
  if (key != "inputs" || n.entries().size() > 4) return false;
  for (const auto& e : n.entries())
    if (!e.second.isScalar()) return false;
  return true;
}

void emit(YAML::Emitter& out, const Node& n, const std::string& key = {}) {
  switch (n.kind()) {
    case Node::Kind::Null:
      out << YAML::Null;
      break;
    case Node::Kind::Scalar:
      if (n.quoted() && readsAsNonString(n.text()))
        out << YAML::DoubleQuoted << n.text();
      else
        out << n.text();
      break;
    case Node::Kind::Sequence:
      if (!n.items().empty() && n.items().size() <= 16 && allScalars(n)) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& i : n.items()) emit(out, i);
      out << YAML::EndSeq;
      break;
    case Node::Kind::Map:
      if (flowMap(n, key)) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const auto& e : n.entries()) {
        out << YAML::Key << e.first << YAML::Value;
        emit(out, e.second, e.first);
      }
      out << YAML::EndMap;
      break;
  }
}

}  // namespace

namespace {

// YAML text is Unicode, printable characters only. yaml-cpp reads other bytes as they come
// and writes them back differently (bytes that are not UTF-8 as U+FFFD, a NUL as U+FFFD), so
// a file saved in Latin-1 (a "µ" in a comment) or holding a stray control byte would change on
// Save. Such a file is refused, naming where. UTF-16/32 files (with a byte-order mark) are
// yaml-cpp's to read.
bool printable(unsigned cp) {  // YAML 1.2's c-printable
  return cp == 0x09 || cp == 0x0A || cp == 0x0D || (cp >= 0x20 && cp <= 0x7E) || cp == 0x85 ||
         (cp >= 0xA0 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

// The code point at b[0..n) and its length in bytes; length 0 for bytes that are not UTF-8
// (bad lead or continuation bytes, overlong forms, surrogates, past U+10FFFF, cut short).
std::pair<unsigned, std::size_t> decodeUtf8(const unsigned char* b, std::size_t n) {
  const unsigned char c = b[0];
  const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || len > n) return {0, 0};
  unsigned cp = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
  for (std::size_t k = 1; k < len; ++k) {
    if ((b[k] & 0xC0) != 0x80) return {0, 0};
    cp = cp << 6 | (b[k] & 0x3Fu);
  }
  static constexpr unsigned kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return {0, 0};
  return {cp, len};
}

void requireYamlText(const std::string& text, const std::string& file) {
  const auto* b = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  if (n >= 2 && ((b[0] == 0xFE && b[1] == 0xFF) || (b[0] == 0xFF && b[1] == 0xFE))) return;
  int line = 1, column = 1;
  for (std::size_t i = 0; i < n;) {
    const auto [cp, len] = decodeUtf8(b + i, n - i);
    char what[96];
    if (len == 0)
      std::snprintf(what, sizeof what, "the file is not UTF-8 text (byte 0x%02X)", b[i]);
    else if (!printable(cp))
      std::snprintf(what, sizeof what, "character U+%04X is not allowed in YAML text", cp);
    if (len == 0 || !printable(cp))
      throw ParseError(Location{file, line, column},
                       std::string(what) + (len == 0 ? "; YAML files are UTF-8: was it saved in another encoding, such as "
                                                       "Latin-1?"
                                                     : "; write control characters as escapes in double quotes, "
                                                       "e.g. \"\\x01\""));
    if (cp == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += len;
  }
}

// YAML's line breaks are LF, CR LF and a lone CR, all read as LF; yaml-cpp knows only the
// first two (a lone CR stayed inside scalars, and Save changed the file), so they are made LF.
std::string normaliseLineBreaks(const std::string& text) {
  if (text.find('\r') == std::string::npos) return text;
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r') {
      out += text[i];
    } else if (i + 1 >= text.size() || text[i + 1] != '\n') {
      out += '\n';
    }
  }
  return out;
}

}  // namespace

Node parseYaml(const std::string& raw, const std::string& fileName) {
  requireYamlText(raw, fileName);
  const std::string text = normaliseLineBreaks(raw);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ParseError(locOf(e.mark, fileName), "malformed YAML: " + e.msg);
  }
  return convert(root, fileName);
}

Node parseYamlFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ParseError(Location{path, 0, 0}, "cannot open file for reading");
  std::stringstream ss;
  ss << in.rdbuf();
  return parseYaml(ss.str(), path);
}

Node parseYamlValue(const std::string& text, Location loc) {
  Node n;
  try {
    n = convert(YAML::Load(text), loc.file);
  } catch (const YAML::Exception& e) {
    throw ParseError(loc, "malformed value '" + text + "': " + e.msg);
  }
  // Values from the command line carry the command-line location, not "line 1".
  struct Relocate {
    Location loc;
    void operator()(Node& node) const {
      node.setLocation(loc);
      for (auto& i : node.items()) (*this)(i);
      for (auto& e : node.entries()) (*this)(e.second);
    }
  };
  Relocate{loc}(n);
  return n;
}

std::string toYaml(const Node& node) {
  YAML::Emitter out;
  out.SetIndent(2);
  emit(out, node);
  std::string s = out.c_str();
  if (!s.empty() && s.back() != '\n') s += '\n';
  return s;
}

}  // namespace tf::cfg
