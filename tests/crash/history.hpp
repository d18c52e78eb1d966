// history: what an in-process crash run attempted, and the check that what
// recovery kept is a prefix of it.
//
// The power-loss contract (DESIGN.md, "Durability contract"): writes
// acknowledged as durable survive; the others may be lost, but recovery
// keeps a prefix of the write history - never a hole, never an invented
// value, never a resurrected delete, never half a batch. A state is a
// prefix of length p when it equals the result of applying ops[0, p) to
// the empty store; the recovered state must be one with p >= must_have.
// Where writes survive only at checkpoints (persist::snapshot<>), p must
// also be the position of a checkpoint (or 0).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "write_op.hpp"

namespace crash {

struct history {
  std::vector<write_op> ops;  // attempted, in order; a failed one ends the run
  std::size_t acked = 0;      // ops[0, acked) returned ok
  std::size_t durable = 0;    // ops[0, durable) must survive power loss
  // Prefix lengths at which a checkpoint was attempted, and the last one
  // that completed (persist::snapshot<> keeps only these states).
  std::vector<std::size_t> checkpoints_attempted;
  std::size_t checkpoint_acked = 0;

  void attempt(write_op op) { ops.push_back(std::move(op)); }
  void ack() {
    acked = ops.size();
    if (ops.back().sync) durable = acked;
  }
  // Every acknowledged write is durable now (a flush, a checkpoint, a close).
  void all_durable() { durable = acked; }
};

// Empty when `got` is ops[0, p) applied for an allowed p >= must_have;
// otherwise why not.
inline std::string check_prefix(const history& h, const std::vector<std::uint64_t>& got, std::size_t must_have,
                                 bool checkpoints_only) {
  std::vector<std::uint64_t> state(k_keys, 0);
  std::size_t mismatched = 0;
  for (std::uint32_t k = 0; k < k_keys; ++k) mismatched += got[k] != 0;
  auto allowed = [&](std::size_t p) {
    if (p < must_have) return false;
    if (!checkpoints_only || p == 0) return true;
    return std::find(h.checkpoints_attempted.begin(), h.checkpoints_attempted.end(), p) !=
           h.checkpoints_attempted.end();
  };
  std::size_t best_p = 0, best_mismatch = k_keys + 1;
  for (std::size_t p = 0;; ++p) {
    if (allowed(p)) {
      if (mismatched == 0) return {};
      if (mismatched < best_mismatch) best_mismatch = mismatched, best_p = p;
    }
    if (p == h.ops.size()) break;
    for (const auto& w : h.ops[p].writes) {
      mismatched -= state[w.key] != got[w.key];
      state[w.key] = w.version;
      mismatched += state[w.key] != got[w.key];
    }
  }
  // Say where the nearest allowed prefix differs, to help whoever debugs it.
  std::fill(state.begin(), state.end(), 0);
  for (std::size_t p = 0; p < best_p; ++p)
    for (const auto& w : h.ops[p].writes) state[w.key] = w.version;
  std::string why = " no allowed prefix matches (" + std::to_string(h.ops.size()) + " ops attempted, " +
                    std::to_string(h.acked) + " acknowledged, " + std::to_string(must_have) +
                    " must survive); nearest is " + std::to_string(best_p) + ", differing at";
  int shown = 0;
  for (std::uint32_t k = 0; k < k_keys && shown < 4; ++k) {
    if (state[k] == got[k]) continue;
    why += " " + key_name(k) + " (want v" + std::to_string(state[k]) + ", got v" + std::to_string(got[k]) + ")";
    ++shown;
  }
  return why + ";";
}

}  // namespace crash
