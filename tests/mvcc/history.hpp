// A list-append history: what each transaction did and saw, as recorded by
// the runner (list_append.hpp) or written by hand in a test, and read by the
// checker (elle_checker.hpp).
//
// Every key holds a list of integers. append(k, e) adds e at the end of k's
// list; read(k) observes the whole list. Elements are unique across the
// history, so an element names the transaction that appended it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace elle {

using element = std::int64_t;
using key_id = std::uint32_t;

enum class op_kind : std::uint8_t { append, read };

struct micro_op {
  op_kind kind = op_kind::read;
  key_id key = 0;
  element appended = 0;           // append only
  std::vector<element> observed;  // read only: the list seen, oldest first

  static micro_op append(key_id k, element e) { return {op_kind::append, k, e, {}}; }
  static micro_op read(key_id k, std::vector<element> seen) { return {op_kind::read, k, 0, std::move(seen)}; }
};

enum class outcome : std::uint8_t {
  committed,
  aborted,  // commit (or an earlier operation) failed with is_conflict()
  failed,   // any other error: whether it committed is unknown
};

struct transaction {
  std::uint64_t id = 0;  // unique in the history; explanations name it T<id>
  outcome result = outcome::committed;
  std::vector<micro_op> ops;
  std::string error;  // the status text when result == failed
};

using history = std::vector<transaction>;

}  // namespace elle
