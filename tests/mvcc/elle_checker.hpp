// elle_checker: finds isolation anomalies in a list-append history (history.hpp),
// after Adya's definitions as Jepsen's Elle applies them to lists.
//
// Why lists: a read of a list shows not only a value but every write before it,
// in order. So from the committed reads alone the checker recovers each key's
// version order (every read must be a prefix of the longest one), and from it
// the dependencies between transactions:
//   ww  T1 appended an element and T2 appended the next one in the key's order;
//   wr  T2 read a list whose last element T1 appended;
//   rw  T1 read a list and T2 appended the element that follows it in the order
//       (T1 did not see T2's write: an anti-dependency).
// Cycles in that graph are the anomalies no isolation level short of read
// uncommitted allows (G0, G1c) or that snapshot isolation forbids (G-single);
// cycles with two or more rw edges (G2) are write skew, which only
// serializability forbids.
//
// Transactions whose outcome is unknown (outcome::failed) are not nodes: their
// elements may be read without that being G1a, and they make no edges.
//
// Cost: O(ops + elements read) to index and build the graph; cycle search is
// Tarjan's SCCs per edge mask plus one breadth-first search per reported
// cycle and per rw target inside a strongly connected component.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <jadekv/core/tx_options.hpp>

#include "history.hpp"

namespace elle {

enum class anomaly_kind : std::uint8_t {
  duplicate_elements,  // an element appended twice, or seen twice in one list
  garbage_element,     // a read saw an element nobody appended to that key
  internal,            // a read disagrees with the transaction's own earlier read and appends
  g1a,                 // a committed transaction read an element of an aborted one
  g1b,                 // a read ended in an element its writer later followed with another
  incompatible_order,  // two reads of a key are not prefixes of one order
  lost_update,         // two committed transactions appended to the same read list of a key: as
                       // appends are read-modify-writes (see list_append.hpp), one overwrote the other
  g0,                  // cycle of ww edges
  g1c,                 // cycle of ww and wr edges, at least one wr
  g_single,            // cycle with exactly one rw edge (read skew)
  g2,                  // cycle with two or more rw edges (write skew)
};
inline constexpr std::size_t k_anomaly_kinds = 11;

constexpr std::string_view to_string(anomaly_kind k) noexcept {
  switch (k) {
    case anomaly_kind::duplicate_elements: return "duplicate-elements";
    case anomaly_kind::garbage_element: return "garbage-element";
    case anomaly_kind::internal: return "internal";
    case anomaly_kind::g1a: return "G1a";
    case anomaly_kind::g1b: return "G1b";
    case anomaly_kind::incompatible_order: return "incompatible-order";
    case anomaly_kind::lost_update: return "lost-update";
    case anomaly_kind::g0: return "G0";
    case anomaly_kind::g1c: return "G1c";
    case anomaly_kind::g_single: return "G-single";
    case anomaly_kind::g2: return "G2";
  }
  return "unknown";
}

struct anomaly {
  anomaly_kind kind;
  std::string explanation;
};

struct check_report {
  std::size_t committed = 0;  // committed transactions checked
  std::size_t edges = 0;      // dependency edges between them
  std::vector<anomaly> anomalies;

  bool has(anomaly_kind k) const { return count(k) > 0; }
  std::size_t count(anomaly_kind k) const {
    return static_cast<std::size_t>(std::count_if(anomalies.begin(), anomalies.end(),
                                                  [k](const anomaly& a) { return a.kind == k; }));
  }
  // The anomalies `level` forbids: all of them, except G2 under snapshot.
  std::vector<anomaly> forbidden_under(jadekv::isolation level) const {
    std::vector<anomaly> out;
    for (const anomaly& a : anomalies) {
      if (level == jadekv::isolation::snapshot && a.kind == anomaly_kind::g2) continue;
      out.push_back(a);
    }
    return out;
  }
  // One anomaly per line: "<kind>: <explanation>".
  std::string to_string() const {
    std::string out;
    for (const anomaly& a : anomalies) {
      out += elle::to_string(a.kind);
      out += ": ";
      out += a.explanation;
      out += '\n';
    }
    return out;
  }
};

struct check_options {
  // Examples kept per anomaly kind; cycle searches stop once a kind is full.
  std::size_t max_examples = 8;
};

check_report check(const history& h, const check_options& opt = {});

// ---------------------------------------------------------------------------

namespace detail {

enum dependency : std::uint8_t { ww = 1, wr = 2, rw = 4 };

struct edge {
  std::uint32_t from;
  std::uint32_t to;
  dependency kind;
  key_id key;
  std::optional<element> before;  // ww: from's element; wr: the last read; rw: the last read (none: empty list)
  element after;                  // ww, rw: to's element; wr: unused
};

class checker {
 public:
  checker(const history& h, const check_options& opt) : h_(h), opt_(opt), out_(h.size()) {}

  check_report run() {
    index_writers();
    for (std::uint32_t t = 0; t < h_.size(); ++t) {
      if (committed(t)) check_reads(t);
    }
    recover_orders();
    build_edges();
    find_cycles();
    for (std::uint32_t t = 0; t < h_.size(); ++t) report_.committed += committed(t);
    return std::move(report_);
  }

 private:
  struct writer {
    std::uint32_t tx;
    key_id key;
    std::optional<element> next_in_tx;  // the tx's next append to the same key
  };
  struct observed_read {
    std::uint32_t tx;
    const std::vector<element>* list;
  };
  static constexpr std::uint32_t k_none = std::numeric_limits<std::uint32_t>::max();

  bool committed(std::uint32_t t) const { return h_[t].result == outcome::committed; }
  std::string name(std::uint32_t t) const { return "T" + std::to_string(h_[t].id); }
  static std::string key_text(key_id k) { return "k" + std::to_string(k); }
  static std::string list_text(const std::vector<element>& l) {
    std::string out = "[";
    for (std::size_t i = 0; i < l.size(); ++i) out += (i ? " " : "") + std::to_string(l[i]);
    return out + "]";
  }
  std::string read_text(std::uint32_t t, const micro_op& read) const {
    return name(t) + " read " + key_text(read.key) + " = " + list_text(read.observed);
  }
  static bool ends_with(const std::vector<element>& l, const std::vector<element>& tail) {
    return l.size() >= tail.size() &&
           std::equal(tail.begin(), tail.end(), l.end() - static_cast<std::ptrdiff_t>(tail.size()));
  }

  bool full(anomaly_kind k) const { return found_[static_cast<std::size_t>(k)] >= opt_.max_examples; }
  void add(anomaly_kind k, std::string explanation) {
    if (full(k)) return;
    ++found_[static_cast<std::size_t>(k)];
    report_.anomalies.push_back({k, std::move(explanation)});
  }

  const writer* writer_of(element e) const {
    auto it = writers_.find(e);
    return it == writers_.end() ? nullptr : &it->second;
  }
  // The writer of e when it committed and appended e to key k, else null.
  const writer* committed_writer(element e, key_id k) const {
    const writer* w = writer_of(e);
    return w && w->key == k && committed(w->tx) ? w : nullptr;
  }

  void index_writers() {
    for (std::uint32_t t = 0; t < h_.size(); ++t) {
      std::map<key_id, element> later;  // key -> the next append to it, walking backwards
      for (auto op = h_[t].ops.rbegin(); op != h_[t].ops.rend(); ++op) {
        if (op->kind != op_kind::append) continue;
        auto next = later.find(op->key);
        writer w{t, op->key, next == later.end() ? std::nullopt : std::optional<element>(next->second)};
        later[op->key] = op->appended;
        auto [it, inserted] = writers_.emplace(op->appended, w);
        if (!inserted) {
          add(anomaly_kind::duplicate_elements, "element " + std::to_string(op->appended) + " appended by both " +
                                                    name(it->second.tx) + " and " + name(t));
        }
      }
    }
  }

  // Per-read anomalies of committed transaction t, and its reads for the orders.
  void check_reads(std::uint32_t t) {
    struct own_view {
      std::optional<std::vector<element>> known;  // what t must read next, once it read the key
      std::vector<element> appended;              // t's appends since its last read of the key
    };
    std::map<key_id, own_view> views;
    for (const micro_op& op : h_[t].ops) {
      own_view& v = views[op.key];
      if (op.kind == op_kind::append) {
        if (v.known && v.appended.empty()) {
          auto [it, inserted] = lost_update_base_.emplace(std::make_pair(op.key, *v.known), t);
          if (!inserted) {
            add(anomaly_kind::lost_update, name(it->second) + " and " + name(t) + " both read " + key_text(op.key) +
                                               " = " + list_text(*v.known) +
                                               " and both appended to it: one append overwrote the other");
          }
        }
        if (v.known) v.known->push_back(op.appended);
        v.appended.push_back(op.appended);
        continue;
      }
      check_one_read(t, op);
      const std::vector<element>& l = op.observed;
      if (v.known && *v.known != l) {
        add(anomaly_kind::internal,
            read_text(t, op) + ", where its own earlier read and appends give " + list_text(*v.known));
      } else if (!v.known && !ends_with(l, v.appended)) {
        add(anomaly_kind::internal, read_text(t, op) + ", which does not end in its own appends " + list_text(v.appended));
      }
      v.known = l;
      v.appended.clear();
      reads_[op.key].push_back({t, &op.observed});
    }
  }

  void check_one_read(std::uint32_t t, const micro_op& op) {
    const std::vector<element>& l = op.observed;
    std::unordered_set<element> seen;
    for (element e : l) {
      if (!seen.insert(e).second) {
        add(anomaly_kind::duplicate_elements, read_text(t, op) + ", where " + std::to_string(e) + " appears twice");
      }
      const writer* w = writer_of(e);
      if (!w || w->key != op.key) {
        add(anomaly_kind::garbage_element, read_text(t, op) + ", but no transaction appended " + std::to_string(e) +
                                               " to " + key_text(op.key));
      } else if (h_[w->tx].result == outcome::aborted) {
        add(anomaly_kind::g1a, read_text(t, op) + ", but " + std::to_string(e) + " was appended by " + name(w->tx) +
                                   ", which aborted");
      }
    }
    if (l.empty()) return;
    const writer* last = committed_writer(l.back(), op.key);
    if (last && last->tx != t && last->next_in_tx) {
      add(anomaly_kind::g1b, read_text(t, op) + ", ending in " + std::to_string(l.back()) +
                                 ", an intermediate state of " + name(last->tx) + ", which then appended " +
                                 std::to_string(*last->next_in_tx));
    }
  }

  // Each key's order is its longest read; every other read must be a prefix.
  void recover_orders() {
    for (const auto& [key, reads] : reads_) {
      const observed_read* longest = &reads.front();
      for (const observed_read& r : reads) {
        if (r.list->size() > longest->list->size()) longest = &r;
      }
      bool compatible = true;
      for (const observed_read& r : reads) {
        if (std::equal(r.list->begin(), r.list->end(), longest->list->begin())) continue;
        compatible = false;
        add(anomaly_kind::incompatible_order, name(r.tx) + " read " + key_text(key) + " = " + list_text(*r.list) +
                                                  " but " + name(longest->tx) + " read " + list_text(*longest->list) +
                                                  ": no order of appends has both as prefixes");
        break;
      }
      if (compatible) orders_.emplace(key, longest->list);
    }
  }

  void link(std::uint32_t from, std::uint32_t to, dependency kind, key_id key, std::optional<element> before,
            element after) {
    if (from == to) return;
    out_[from].push_back({from, to, kind, key, before, after});
    ++report_.edges;
  }

  void build_edges() {
    for (const auto& [key, order] : orders_) {
      const writer* prev = nullptr;
      element prev_element = 0;
      for (element e : *order) {
        const writer* w = committed_writer(e, key);
        if (!w) continue;
        if (prev) link(prev->tx, w->tx, ww, key, prev_element, e);
        prev = w;
        prev_element = e;
      }
    }
    for (const auto& [key, reads] : reads_) {
      auto order = orders_.find(key);
      if (order == orders_.end()) continue;
      const std::vector<element>& o = *order->second;
      for (const observed_read& r : reads) {
        const std::vector<element>& l = *r.list;
        const std::optional<element> last = l.empty() ? std::nullopt : std::optional<element>(l.back());
        const writer* seen = last ? committed_writer(*last, key) : nullptr;
        if (seen) link(seen->tx, r.tx, wr, key, last, 0);
        // A transaction's appends to a key are one version: the next version
        // starts at the first element of another writer.
        for (std::size_t i = l.size(); i < o.size(); ++i) {
          const writer* w = committed_writer(o[i], key);
          if (!w || (seen && w->tx == seen->tx)) continue;
          link(r.tx, w->tx, rw, key, last, o[i]);
          break;
        }
      }
    }
  }

  // Strongly connected components over edges in `mask` (iterative Tarjan).
  // Components are numbered in completion order, so an edge between two
  // components always goes from a higher number to a lower one.
  std::vector<std::uint32_t> components(std::uint8_t mask) const {
    const auto n = static_cast<std::uint32_t>(out_.size());
    std::vector<std::uint32_t> index(n, k_none), low(n), comp(n, k_none), stack;
    std::vector<std::pair<std::uint32_t, std::size_t>> calls;  // node, next edge to follow
    std::uint32_t next_index = 0, next_comp = 0;
    for (std::uint32_t root = 0; root < n; ++root) {
      if (index[root] != k_none) continue;
      index[root] = low[root] = next_index++;
      stack.push_back(root);
      calls.push_back({root, 0});
      while (!calls.empty()) {
        const std::uint32_t v = calls.back().first;
        if (calls.back().second < out_[v].size()) {
          const edge& e = out_[v][calls.back().second++];
          if (!(e.kind & mask)) continue;
          if (index[e.to] == k_none) {
            index[e.to] = low[e.to] = next_index++;
            stack.push_back(e.to);
            calls.push_back({e.to, 0});
          } else if (comp[e.to] == k_none) {
            low[v] = std::min(low[v], index[e.to]);
          }
          continue;
        }
        calls.pop_back();
        if (!calls.empty()) low[calls.back().first] = std::min(low[calls.back().first], low[v]);
        if (low[v] != index[v]) continue;
        std::uint32_t w;
        do {
          w = stack.back();
          stack.pop_back();
          comp[w] = next_comp;
        } while (w != v);
        ++next_comp;
      }
    }
    return comp;
  }

  // Breadth-first search from `from` over `mask` edges that stay inside the
  // component of `from` in `comp`; marks reached nodes with the current stamp_.
  void search(std::uint32_t from, std::uint8_t mask, const std::vector<std::uint32_t>& comp) {
    if (stamp_of_.size() != out_.size()) {
      stamp_of_.assign(out_.size(), 0);
      via_.assign(out_.size(), nullptr);
    }
    ++stamp_;
    stamp_of_[from] = stamp_;
    via_[from] = nullptr;
    std::vector<std::uint32_t> frontier{from};
    for (std::size_t i = 0; i < frontier.size(); ++i) {
      for (const edge& e : out_[frontier[i]]) {
        if (!(e.kind & mask) || comp[e.to] != comp[from] || stamp_of_[e.to] == stamp_) continue;
        stamp_of_[e.to] = stamp_;
        via_[e.to] = &e;
        frontier.push_back(e.to);
      }
    }
  }
  bool reached(std::uint32_t t) const { return stamp_of_[t] == stamp_; }
  // The cycle closing_edge followed by the path the last search found back to
  // its source. REQUIRES: reached(closing_edge.from).
  std::vector<const edge*> cycle(const edge& closing) const {
    std::vector<const edge*> path;
    for (const edge* e = via_[closing.from]; e; e = via_[e->from]) path.push_back(e);
    path.push_back(&closing);
    std::reverse(path.begin(), path.end());
    return path;
  }

  std::string describe(const edge& e) const {
    const std::string k = key_text(e.key);
    const std::string before = e.before ? std::to_string(*e.before) : "";
    switch (e.kind) {
      case ww: return name(e.from) + " appended " + before + " to " + k + " and " + name(e.to) + " appended " +
                      std::to_string(e.after) + " right after it";
      case wr: return name(e.to) + " read " + k + " ending in " + before + ", which " + name(e.from) + " appended";
      case rw: return name(e.from) + " read " + k + (e.before ? " ending in " + before : " empty") + " and " +
                      name(e.to) + " appended " + std::to_string(e.after) + ", the next element";
    }
    return {};
  }
  void add_cycle(anomaly_kind k, const std::vector<const edge*>& c) {
    static constexpr std::array<std::string_view, 5> label{"", "-ww->", "-wr->", "", "-rw->"};
    std::string chain = name(c.front()->from), why;
    for (const edge* e : c) {
      chain += " " + std::string(label[e->kind]) + " " + name(e->to);
      why += "; " + describe(*e);
    }
    add(k, "cycle " + chain + why);
  }

  // For every component of `comp` with an edge of kind `closing` inside it,
  // reports the first cycle that edge closes over `mask` edges.
  void report_cycles(anomaly_kind k, std::uint8_t mask, dependency closing) {
    const std::vector<std::uint32_t> comp = components(mask);
    std::vector<bool> done(out_.size());
    for (const auto& edges : out_) {
      for (const edge& e : edges) {
        if (full(k)) return;
        if (e.kind != closing || comp[e.from] != comp[e.to] || done[comp[e.from]]) continue;
        done[comp[e.from]] = true;
        search(e.to, mask, comp);
        add_cycle(k, cycle(e));
      }
    }
  }

  // G-single: an rw edge a -> b where b reaches a over ww and wr edges. G2: an
  // rw edge inside a component where b does not: the way back needs another rw.
  void report_rw_cycles() {
    const std::vector<std::uint32_t> all = components(ww | wr | rw);
    const std::vector<std::uint32_t> forward = components(ww | wr);
    std::map<std::uint32_t, std::vector<const edge*>> rw_into;  // target -> rw edges inside a component
    for (const auto& edges : out_) {
      for (const edge& e : edges) {
        if (e.kind == rw && all[e.from] == all[e.to]) rw_into[e.to].push_back(&e);
      }
    }
    std::vector<bool> has_single(out_.size()), has_g2(out_.size());
    std::vector<const edge*> g2_candidates;
    for (const auto& [target, edges] : rw_into) {
      if (full(anomaly_kind::g_single)) break;
      const std::uint32_t c = all[target];
      if (has_single[c]) continue;
      // forward[] order: target can only reach a node whose number is not higher.
      bool possible = false;
      for (const edge* e : edges) possible = possible || forward[e->from] <= forward[target];
      if (possible) search(target, ww | wr, all);
      for (const edge* e : edges) {
        if (possible && reached(e->from)) {
          has_single[c] = true;
          add_cycle(anomaly_kind::g_single, cycle(*e));
          break;
        }
        if (!has_g2[c]) {
          has_g2[c] = true;
          g2_candidates.push_back(e);
        }
      }
    }
    for (const edge* e : g2_candidates) {
      if (full(anomaly_kind::g2)) break;
      search(e->to, ww | wr | rw, all);
      add_cycle(anomaly_kind::g2, cycle(*e));
    }
  }

  void find_cycles() {
    report_cycles(anomaly_kind::g0, ww, ww);
    report_cycles(anomaly_kind::g1c, ww | wr, wr);
    report_rw_cycles();
  }

  const history& h_;
  check_options opt_;
  check_report report_;
  std::array<std::size_t, k_anomaly_kinds> found_{};
  std::unordered_map<element, writer> writers_;
  std::map<std::pair<key_id, std::vector<element>>, std::uint32_t> lost_update_base_;  // (key, read) -> first appender
  std::map<key_id, std::vector<observed_read>> reads_;                                 // committed reads per key
  std::map<key_id, const std::vector<element>*> orders_;                               // keys whose reads agree
  std::vector<std::vector<edge>> out_;
  std::vector<std::uint32_t> stamp_of_;
  std::vector<const edge*> via_;
  std::uint32_t stamp_ = 0;
};

}  // namespace detail

inline check_report check(const history& h, const check_options& opt) { return detail::checker(h, opt).run(); }

}  // namespace elle
